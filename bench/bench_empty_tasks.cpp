// Workload: throughput of empty tasks. hetsched submits 100k empty tasks, then gets the whole vector of refs (Ray's
// `ray.get([f.remote() for _ in range(n)])`), on a runtime with one CPU slot per core.
// Baselines in this binary: raw oneTBB (tbb::task_group::run of 100k empty lambdas, then wait) and std::async
// (10k only: each one is a thread).
// Target: hetsched's time per task within 2x of raw oneTBB's (counter vs_tbb <= 2). The timeline's cost is
// empty_tasks_hetsched_timeline's vs_timeline_off.
// The advisor's cost: empty_tasks_advice_on_vs_off runs the same workload on two runtimes, the advisor on (reports
// dropped) and silenced, in turns inside every iteration (hetsched_bench::Contenders): counters advice_on_vs_off (the
// median ratio) and <name>_ns_per_task. Empty tasks are the advisor's worst case: every hook runs, and nothing else
// hides it.
// HETSCHED_BENCH_QUICK=1 runs a tenth of the tasks.

#include <cstddef>
#include <future>
#include <vector>

#include <benchmark/benchmark.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_group.h>

#include <hetsched/hetsched.hpp>

#include "bench_support.hpp"

namespace {

using hetsched_bench::Baselines;

constexpr auto empty_body = [] {};

std::size_t task_count() { return hetsched_bench::pick_size<std::size_t>(100'000, 10'000); }
std::size_t thread_count() { return hetsched_bench::pick_size<std::size_t>(10'000, 1'000); }

void empty_tasks_tbb_task_group(benchmark::State& state) {
  const std::size_t count = task_count();
  const double seconds = hetsched_bench::timed_loop(state, [&] {
    tbb::task_group group;
    for (std::size_t i = 0; i < count; ++i) group.run(empty_body);
    group.wait();
  });
  Baselines::record("tbb_task_group", hetsched_bench::report_throughput(state, seconds, count));
}

void empty_tasks_std_async(benchmark::State& state) {
  const std::size_t count = thread_count();
  std::vector<std::future<void>> futures;
  futures.reserve(count);
  const double seconds = hetsched_bench::timed_loop(state, [&] {
    for (std::size_t i = 0; i < count; ++i) futures.push_back(std::async(std::launch::async, empty_body));
    for (auto& future : futures) future.get();
    futures.clear();
  });
  const double per_task = hetsched_bench::report_throughput(state, seconds, count);
  hetsched_bench::report_ratio(state, "vs_tbb", "tbb_task_group", per_task);
}

/// One round of the workload: `count` empty tasks submitted on `runtime`, then one get of all their refs, then the
/// refs dropped (freeing the objects is part of the cost). `refs` is the caller's, reserved once.
void submit_then_get(hetsched::Runtime& runtime, std::size_t count, std::vector<hetsched::ObjectRef<void>>& refs) {
  auto empty_task = runtime.task(empty_body);
  for (std::size_t i = 0; i < count; ++i) refs.push_back(empty_task.remote());
  runtime.get(refs);
  refs.clear();
}

void empty_tasks_hetsched(benchmark::State& state) {
  const std::size_t count = task_count();
  hetsched::Runtime runtime{hetsched_bench::config_with_cpus(tbb::info::default_concurrency())};
  std::vector<hetsched::ObjectRef<void>> refs;
  refs.reserve(count);
  const double seconds = hetsched_bench::timed_loop(state, [&] { submit_then_get(runtime, count, refs); });
  const double per_task = hetsched_bench::report_throughput(state, seconds, count);
  hetsched_bench::report_ratio(state, "vs_tbb", "tbb_task_group", per_task);
  Baselines::record("hetsched", per_task);
}

/// The same with a timeline recording every task (rt.timeline; written to /dev/null at shutdown, not timed).
void empty_tasks_hetsched_timeline(benchmark::State& state) {
  const std::size_t count = task_count();
  hetsched::Runtime runtime{hetsched_bench::config_with_cpus(tbb::info::default_concurrency())};
  runtime.timeline("/dev/null");
  std::vector<hetsched::ObjectRef<void>> refs;
  refs.reserve(count);
  const double seconds = hetsched_bench::timed_loop(state, [&] { submit_then_get(runtime, count, refs); });
  const double per_task = hetsched_bench::report_throughput(state, seconds, count);
  hetsched_bench::report_ratio(state, "vs_timeline_off", "hetsched", per_task);
}

void empty_tasks_advice_on_vs_off(benchmark::State& state) {
  const std::size_t count = task_count();
  const int cpus = tbb::info::default_concurrency();
  hetsched::Runtime advised{hetsched_bench::config_with_advice(cpus, true)};
  hetsched::Runtime silenced{hetsched_bench::config_with_advice(cpus, false)};
  std::vector<hetsched::ObjectRef<void>> refs;
  refs.reserve(count);
  hetsched_bench::Contenders contenders;
  contenders.add("advice_on", [&] { submit_then_get(advised, count, refs); });
  contenders.add("advice_off", [&] { submit_then_get(silenced, count, refs); });
  contenders.run(state);
  contenders.report_ratio(state, "advice_on_vs_off", "advice_on", "advice_off");
  contenders.report_per_task(state, count);
}

}  // namespace

// Baselines first: the hetsched benchmark divides by their figures.
BENCHMARK(empty_tasks_tbb_task_group)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(empty_tasks_std_async)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(empty_tasks_hetsched)->Unit(benchmark::kMillisecond)->UseRealTime();
// Fixed iterations: the timeline keeps every event until shutdown.
BENCHMARK(empty_tasks_hetsched_timeline)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);
BENCHMARK(empty_tasks_advice_on_vs_off)->Unit(benchmark::kMillisecond)->UseRealTime();
