// Workload: latency of one empty task, submitted and then awaited (`rt.get(empty_task.remote())`), each iteration
// timed on its own so the median and tail are reported (counters median_us, p90_us, p99_us).
// Baseline in this binary: raw oneTBB, tbb::task_group::run of one empty lambda, then wait.
// Targets: hetsched's median <= 5 us (Ray: about 1 ms); issue 9: median <= 0.4 us and p99 <= 2 us. Counter vs_tbb is
// the ratio of the medians, p99_vs_tbb that of the 99th percentiles.

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

}  // namespace

// Baseline first: the hetsched benchmark divides by its median and its p99.
BENCHMARK(round_trip_tbb_task_group)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(round_trip_hetsched)->Unit(benchmark::kMicrosecond)->UseRealTime();
