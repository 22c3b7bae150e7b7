// Workload: actor method calls, in the shapes of Ray's `ray microbenchmark`. The actor is a Counter whose increment
// returns the new value.
//   sync_calls              "1:1 actor calls sync": call, get, repeat; each call timed (median_us, p90_us, p99_us).
//   async_calls/one_to_one  "1:1 actor calls async": the benchmark thread submits 100k calls to one actor, then
//                           gets them all.
//   async_calls/one_to_n    "1:n actor calls async": the same 100k calls spread round robin over n actors.
//   async_calls/n_to_n      "n:n actor calls async": n caller tasks, each submitting 100k/n calls to its own actor
//                           and getting them (Ray's n:n spreads each caller's calls over all actors instead).
// n is the number of cores, at least 2. Every actor is created as Ray's benchmark creates its own: no CPU held.
// Baselines in this binary, making the same calls on the same counters from the same callers: direct calls of the
// method on a counter behind a mutex (no runtime at all: what a call costs), and raw oneTBB (tbb::task_group, one
// task per call, the counter behind its mutex since oneTBB does not serialize calls). Counters vs_direct and vs_tbb
// are hetsched's time per call divided by theirs.
// Targets: >= 1M calls/s for async_calls/one_to_one; sync_calls median <= 5 us. Ray 2.48 publishes 2,012 calls/s
// (sync), 8,664/s (1:1 async) and 27,376/s (n:n async).
// Each benchmark checks afterwards that its counters add up to the calls it made, and fails the run if not.
// HETSCHED_BENCH_QUICK=1 makes a tenth of the calls.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_group.h>

#include <hetsched/hetsched.hpp>

#include "bench_support.hpp"

namespace {

using hetsched_bench::Baselines;

/// The actor of every workload (Ray's benchmark actor returns a small value; this one counts its calls).
class Counter {
 public:
  std::int64_t increment() { return ++value_; }
  std::int64_t value() const { return value_; }

 private:
  std::int64_t value_ = 0;
};

/// A Counter behind a mutex: how the baselines make calls from several threads safe.
class LockedCounter {
 public:
  std::int64_t increment() {
    std::lock_guard lock(mutex_);
    return counter_.increment();
  }
  std::int64_t value() {
    std::lock_guard lock(mutex_);
    return counter_.value();
  }

 private:
  std::mutex mutex_;
  Counter counter_;
};

using CounterActor = hetsched::ActorHandle<Counter>;

/// Who calls which counter: one caller (the benchmark thread) spreads its calls round robin over every counter;
/// several callers (tasks) each call their own counter.
enum class Fanout { one_to_one, one_to_n, n_to_n };

const char* name_of(Fanout fanout) {
  if (fanout == Fanout::one_to_one) return "one_to_one";
  return fanout == Fanout::one_to_n ? "one_to_n" : "n_to_n";
}

/// How many counters and how many callers a workload has.
struct Shape {
  std::size_t counters;
  std::size_t callers;
};

/// The n of 1:n and n:n: the number of cores, at least 2.
std::size_t fanout_width() {
  return std::max<std::size_t>(2, static_cast<std::size_t>(tbb::info::default_concurrency()));
}

Shape shape_of(Fanout fanout) {
  if (fanout == Fanout::one_to_one) return {1, 1};
  if (fanout == Fanout::one_to_n) return {fanout_width(), 1};
  return {fanout_width(), fanout_width()};
}

/// The name a baseline's figure is recorded under, e.g. "tbb/one_to_n".
std::string baseline_name(const char* kind, Fanout fanout) { return std::string(kind) + "/" + name_of(fanout); }

std::size_t calls_per_iteration() { return hetsched_bench::pick_size<std::size_t>(100'000, 10'000); }

/// The counters caller `caller` calls: all of them for a lone caller, its own one otherwise.
template <class T>
std::span<T> counters_of(std::span<T> all, const Shape& shape, std::size_t caller) {
  return shape.callers == 1 ? all : all.subspan(caller, 1);
}

/// Runs `make_calls(caller, calls)` for each caller of `shape`: on this thread for a lone caller, else as one raw
/// oneTBB task each (how the baselines stand in for hetsched's caller tasks).
template <class MakeCalls>
void run_callers(const Shape& shape, std::size_t calls_per_caller, MakeCalls&& make_calls) {
  if (shape.callers == 1) {
    make_calls(std::size_t{0}, calls_per_caller);
    return;
  }
  tbb::task_group callers;
  for (std::size_t caller = 0; caller < shape.callers; ++caller) {
    callers.run([&make_calls, caller, calls_per_caller] { make_calls(caller, calls_per_caller); });
  }
  callers.wait();
}

/// Fails the benchmark unless the counters' values add up to every call made in `state`'s iterations.
void check_call_count(benchmark::State& state, std::int64_t counted, std::size_t calls_in_each_iteration) {
  const auto made = static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(calls_in_each_iteration);
  if (counted != made) {
    state.SkipWithError(("the counters counted " + std::to_string(counted) + " calls, not " + std::to_string(made))
                            .c_str());
  }
}

std::int64_t total_value(std::span<LockedCounter> counters) {
  std::int64_t total = 0;
  for (auto& counter : counters) total += counter.value();
  return total;
}

std::int64_t total_value(hetsched::Runtime& runtime, const std::vector<CounterActor>& actors) {
  std::int64_t total = 0;
  for (const auto& actor : actors) total += runtime.get(actor.call(&Counter::value));
  return total;
}

/// A runtime with one CPU slot per core, and `count` Counter actors in it.
struct ActorSetup {
  explicit ActorSetup(std::size_t count)
      : runtime(hetsched_bench::config_with_cpus(tbb::info::default_concurrency())) {
    for (std::size_t i = 0; i < count; ++i) actors.push_back(runtime.actor<Counter>().remote());
    total_value(runtime, actors);  // every constructor has run before the clock starts
  }
  hetsched::Runtime runtime;
  std::vector<CounterActor> actors;
};

// ---- 1:1 sync: one call at a time -------------------------------------------------------------------------------

/// A baseline of the sync workload: `call_once(counter)` makes one call and returns when it is done.
template <class CallOnce>
void run_sync_baseline(benchmark::State& state, const char* kind, CallOnce&& call_once) {
  LockedCounter counter;
  const auto seconds = hetsched_bench::timed_iterations(state, [&] { call_once(counter); });
  Baselines::record(std::string(kind) + "/sync", hetsched_bench::report_latency(state, seconds));
  state.SetItemsProcessed(state.iterations());
  check_call_count(state, counter.value(), 1);
}

void sync_calls_direct(benchmark::State& state) {
  run_sync_baseline(state, "direct", [](LockedCounter& counter) { benchmark::DoNotOptimize(counter.increment()); });
}

void sync_calls_tbb(benchmark::State& state) {
  tbb::task_group group;
  run_sync_baseline(state, "tbb", [&group](LockedCounter& counter) {
    group.run([&counter] { benchmark::DoNotOptimize(counter.increment()); });
    group.wait();
  });
}

void sync_calls_hetsched(benchmark::State& state) {
  ActorSetup setup(1);
  const CounterActor& counter = setup.actors.front();
  const auto seconds = hetsched_bench::timed_iterations(
      state, [&] { benchmark::DoNotOptimize(setup.runtime.get(counter.call(&Counter::increment))); });
  const double median = hetsched_bench::report_latency(state, seconds);
  hetsched_bench::report_ratio(state, "vs_direct", "direct/sync", median);
  hetsched_bench::report_ratio(state, "vs_tbb", "tbb/sync", median);
  state.SetItemsProcessed(state.iterations());
  check_call_count(state, total_value(setup.runtime, setup.actors), 1);
}

// ---- async: submit a batch of calls, then get them all -----------------------------------------------------------

/// A baseline of an async workload: `make_calls(counters, calls)` makes one caller's calls, round robin over its
/// counters, and returns when all are done.
template <class MakeCalls>
void run_async_baseline(benchmark::State& state, Fanout fanout, const char* kind, MakeCalls&& make_calls) {
  const Shape shape = shape_of(fanout);
  const std::size_t calls_per_caller = calls_per_iteration() / shape.callers;
  std::vector<LockedCounter> storage(shape.counters);
  std::span<LockedCounter> counters(storage);
  const double seconds = hetsched_bench::timed_loop(state, [&] {
    run_callers(shape, calls_per_caller, [&](std::size_t caller, std::size_t calls) {
      make_calls(counters_of(counters, shape, caller), calls);
    });
  });
  const std::size_t calls = calls_per_caller * shape.callers;
  Baselines::record(baseline_name(kind, fanout), hetsched_bench::report_throughput(state, seconds, calls));
  check_call_count(state, total_value(counters), calls);
}

void async_calls_direct(benchmark::State& state, Fanout fanout) {
  run_async_baseline(state, fanout, "direct", [](std::span<LockedCounter> counters, std::size_t calls) {
    for (std::size_t i = 0; i < calls; ++i) benchmark::DoNotOptimize(counters[i % counters.size()].increment());
  });
}

void async_calls_tbb(benchmark::State& state, Fanout fanout) {
  run_async_baseline(state, fanout, "tbb", [](std::span<LockedCounter> counters, std::size_t calls) {
    tbb::task_group group;
    for (std::size_t i = 0; i < calls; ++i) {
      group.run([&counter = counters[i % counters.size()]] { benchmark::DoNotOptimize(counter.increment()); });
    }
    group.wait();
  });
}

/// Submits `calls` calls round robin over `actors`, then gets all of their results (Ray's
/// `ray.get([actors[i % n].small_value.remote() for i in range(calls)])`).
void call_and_get(hetsched::Runtime& runtime, std::span<const CounterActor> actors, std::size_t calls) {
  std::vector<hetsched::ObjectRef<std::int64_t>> refs;
  refs.reserve(calls);
  for (std::size_t i = 0; i < calls; ++i) refs.push_back(actors[i % actors.size()].call(&Counter::increment));
  benchmark::DoNotOptimize(runtime.get(refs));
}

/// A caller task of the n:n workload: its own actor's handle comes as an argument, as Ray passes handles to tasks.
void caller_task(hetsched::TaskContext& context, const CounterActor& actor, std::size_t calls) {
  call_and_get(context.runtime(), std::span(&actor, 1), calls);
}

void async_calls_hetsched(benchmark::State& state, Fanout fanout) {
  const Shape shape = shape_of(fanout);
  const std::size_t calls_per_caller = calls_per_iteration() / shape.callers;
  ActorSetup setup(shape.counters);
  hetsched::Runtime& runtime = setup.runtime;
  std::vector<hetsched::ObjectRef<void>> callers;
  const double seconds = hetsched_bench::timed_loop(state, [&] {
    if (shape.callers == 1) {
      call_and_get(runtime, setup.actors, calls_per_caller);
      return;
    }
    for (const auto& actor : setup.actors) {
      callers.push_back(runtime.task(caller_task).remote(actor, calls_per_caller));
    }
    runtime.get(callers);
    callers.clear();
  });
  const std::size_t calls = calls_per_caller * shape.callers;
  const double per_call = hetsched_bench::report_throughput(state, seconds, calls);
  hetsched_bench::report_ratio(state, "vs_direct", baseline_name("direct", fanout), per_call);
  hetsched_bench::report_ratio(state, "vs_tbb", baseline_name("tbb", fanout), per_call);
  check_call_count(state, total_value(runtime, setup.actors), calls);
}

}  // namespace

// Baselines before hetsched in each workload: the hetsched benchmark divides by their figures.
BENCHMARK(sync_calls_direct)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(sync_calls_tbb)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(sync_calls_hetsched)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(async_calls_direct, one_to_one, Fanout::one_to_one)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(async_calls_tbb, one_to_one, Fanout::one_to_one)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(async_calls_hetsched, one_to_one, Fanout::one_to_one)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(async_calls_direct, one_to_n, Fanout::one_to_n)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(async_calls_tbb, one_to_n, Fanout::one_to_n)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(async_calls_hetsched, one_to_n, Fanout::one_to_n)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(async_calls_direct, n_to_n, Fanout::n_to_n)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(async_calls_tbb, n_to_n, Fanout::n_to_n)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(async_calls_hetsched, n_to_n, Fanout::n_to_n)->Unit(benchmark::kMillisecond)->UseRealTime();
