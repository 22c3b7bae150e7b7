// Workload: latency of one empty task, submitted and then awaited (`rt.get(empty_task.remote())`), each iteration
// timed on its own so the median and tail are reported (counters median_us, p90_us, p99_us).
// Baseline in this binary: raw oneTBB, tbb::task_group::run of one empty lambda, then wait.
// Targets: hetsched's median <= 5 us (Ray: about 1 ms); issue 9: median <= 0.4 us and p99 <= 2 us. Counter vs_tbb is
// the ratio of the medians, p99_vs_tbb that of the 99th percentiles.
// The advisor's cost on the get path: round_trip_advice_on_vs_off runs 1000 round trips on two runtimes, the advisor
// on (reports dropped) and silenced, in turns inside every iteration: counters advice_on_vs_off and
// <name>_ns_per_task (per round trip). A submit followed by its get is the pattern the advisor's first check
// watches for, so every hook of that check runs.

#include <cstddef>

#include <benchmark/benchmark.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_group.h>

#include <hetsched/hetsched.hpp>

#include "bench_support.hpp"

namespace {

constexpr auto empty_body = [] {};

void round_trip_tbb_task_group(benchmark::State& state) {
  tbb::task_group group;
  const auto seconds = hetsched_bench::timed_iterations(state, [&] {
    group.run(empty_body);
    group.wait();
  });
  hetsched_bench::Baselines::record("tbb_task_group", hetsched_bench::report_latency(state, seconds));
  hetsched_bench::Baselines::record("tbb_task_group_p99", hetsched_bench::quantile(seconds, 0.99));
}

void round_trip_hetsched(benchmark::State& state) {
  hetsched::Runtime runtime{hetsched_bench::config_with_cpus(tbb::info::default_concurrency())};
  auto empty_task = runtime.task(empty_body);
  const auto seconds = hetsched_bench::timed_iterations(state, [&] { runtime.get(empty_task.remote()); });
  const double median = hetsched_bench::report_latency(state, seconds);
  hetsched_bench::report_ratio(state, "vs_tbb", "tbb_task_group", median);
  hetsched_bench::report_ratio(state, "p99_vs_tbb", "tbb_task_group_p99", hetsched_bench::quantile(seconds, 0.99));
}

void round_trip_advice_on_vs_off(benchmark::State& state) {
  constexpr std::size_t trips = 1000;
  const int cpus = tbb::info::default_concurrency();
  hetsched::Runtime advised{hetsched_bench::config_with_advice(cpus, true)};
  hetsched::Runtime silenced{hetsched_bench::config_with_advice(cpus, false)};
  auto run_on = [&](hetsched::Runtime& runtime) {
    auto empty_task = runtime.task(empty_body);
    for (std::size_t i = 0; i < trips; ++i) runtime.get(empty_task.remote());
  };
  hetsched_bench::Contenders contenders;
  contenders.add("advice_on", [&] { run_on(advised); });
  contenders.add("advice_off", [&] { run_on(silenced); });
  contenders.run(state);
  contenders.report_ratio(state, "advice_on_vs_off", "advice_on", "advice_off");
  contenders.report_per_task(state, trips);
}

}  // namespace

// Baseline first: the hetsched benchmark divides by its median and its p99.
BENCHMARK(round_trip_tbb_task_group)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(round_trip_hetsched)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(round_trip_advice_on_vs_off)->Unit(benchmark::kMillisecond)->UseRealTime();
