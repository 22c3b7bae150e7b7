// Workload: the seed's tip 2 ("remote tasks should take at least several milliseconds"). 100k tasks that each sleep
// 0.1 ms on a runtime with num_cpus=4, and the batched rewrite: 100 tasks of 1000 sleeps each.
// Baseline in this binary: the same sleeps in a serial loop, divided by 4 (4-way parallelism at zero overhead).
// The serial loop runs a tenth of the sleeps (a sleep costs the same every time, and the whole loop would take
// about 15 s); its time per sleep times the full count, over 4, is the reference (counter serial_over_4_s).
// Target: the one-sleep-per-task version within 1.1x of serial/4 (counter vs_serial_over_4 <= 1.1).
// HETSCHED_BENCH_QUICK=1 runs 4000 sleeps instead of 100k.
// The advisor's cost on this workload: tiny_tasks_advice_on_vs_off runs 20k one-sleep tasks (2k in quick mode) on two
// runtimes, the advisor on (reports dropped) and silenced, in turns inside every iteration: counters
// advice_on_vs_off and <name>_ns_per_task.

#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include <hetsched/hetsched.hpp>

#include "bench_support.hpp"

namespace {

using hetsched_bench::Baselines;

constexpr int cpu_slots = 4;
constexpr std::size_t sleeps_per_batch = 1000;

void tiny_work() { std::this_thread::sleep_for(std::chrono::microseconds(100)); }

std::size_t total_sleeps() { return hetsched_bench::pick_size<std::size_t>(100'000, 4'000); }

void tiny_tasks_serial(benchmark::State& state) {
  const std::size_t sample = total_sleeps() / 10;
  const double seconds = hetsched_bench::timed_loop(state, [&] {
    for (std::size_t i = 0; i < sample; ++i) tiny_work();
  });
  const double per_sleep = hetsched_bench::report_throughput(state, seconds, sample);
  Baselines::record("serial_over_4", per_sleep / cpu_slots);
  state.counters["sleep_us"] = per_sleep * 1e6;
  state.counters["serial_over_4_s"] = per_sleep * static_cast<double>(total_sleeps()) / cpu_slots;
}

/// Submits every sleep as tasks of `sleeps_per_task` sleeps on a runtime with 4 CPU slots, then gets them all.
void run_sleeping_tasks(benchmark::State& state, std::size_t sleeps_per_task) {
  const std::size_t count = total_sleeps() / sleeps_per_task;
  hetsched::Runtime runtime{hetsched_bench::config_with_cpus(cpu_slots)};
  auto sleeping_task = runtime.task([sleeps_per_task] {
    for (std::size_t i = 0; i < sleeps_per_task; ++i) tiny_work();
  });
  std::vector<hetsched::ObjectRef<void>> refs;
  refs.reserve(count);
  const double seconds = hetsched_bench::timed_loop(state, [&] {
    for (std::size_t i = 0; i < count; ++i) refs.push_back(sleeping_task.remote());
    runtime.get(refs);
    refs.clear();
  });
  const double per_sleep = hetsched_bench::report_throughput(state, seconds, count * sleeps_per_task);
  hetsched_bench::report_ratio(state, "vs_serial_over_4", "serial_over_4", per_sleep);
  state.counters["tasks"] = static_cast<double>(count);
}

void tiny_tasks_hetsched_one_sleep_per_task(benchmark::State& state) { run_sleeping_tasks(state, 1); }

void tiny_tasks_hetsched_batched(benchmark::State& state) { run_sleeping_tasks(state, sleeps_per_batch); }

void tiny_tasks_advice_on_vs_off(benchmark::State& state) {
  const std::size_t count = hetsched_bench::pick_size<std::size_t>(20'000, 2'000);
  hetsched::Runtime advised{hetsched_bench::config_with_advice(cpu_slots, true)};
  hetsched::Runtime silenced{hetsched_bench::config_with_advice(cpu_slots, false)};
  std::vector<hetsched::ObjectRef<void>> refs;
  refs.reserve(count);
  auto run_on = [&](hetsched::Runtime& runtime) {
    auto sleeping_task = runtime.task(tiny_work);
    for (std::size_t i = 0; i < count; ++i) refs.push_back(sleeping_task.remote());
    runtime.get(refs);
    refs.clear();
  };
  hetsched_bench::Contenders contenders;
  contenders.add("advice_on", [&] { run_on(advised); });
  contenders.add("advice_off", [&] { run_on(silenced); });
  contenders.run(state);
  contenders.report_ratio(state, "advice_on_vs_off", "advice_on", "advice_off");
  contenders.report_per_task(state, count);
}

}  // namespace

// One iteration each: the work is seconds long. The baseline runs first: the others divide by its figure.
BENCHMARK(tiny_tasks_serial)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(tiny_tasks_hetsched_one_sleep_per_task)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(tiny_tasks_hetsched_batched)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(tiny_tasks_advice_on_vs_off)->Iterations(5)->Unit(benchmark::kMillisecond)->UseRealTime();
