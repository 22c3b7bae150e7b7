// Workload: GPU tasks that each launch one empty kernel on their stream (.gpus(0.01).cpus(0): up to 100 in flight on
// GPU 0, no CPU slot taken for a body that only launches), all submitted, then awaited together: GPU tasks per second
// through hetsched, from remote() to the event that says the kernel finished.
// Baselines in this binary: the same empty kernel launched directly as many times on one stream, and round robin on
// 8 streams (the runtime's pool per device), each run followed by a synchronize.
// Target: hetsched's rate >= 50% of the one-stream launch rate, that is vs_raw_one_stream <= 2 (time per task over
// time per launch); vs_raw_streams compares with the 8-stream launches.
// Round trip: one such task at a time (remote, then get) against one launch followed by a stream synchronize: the
// latency of noticing that a kernel finished. Both workloads run with each Config::gpu_completion mode (events,
// host_functions), which is how the two ways of detecting completion are compared. Skipped where there is no CUDA
// device.

#include <benchmark/benchmark.h>

#include <cstddef>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "bench_gpu_support.cuh"
#include "bench_support.hpp"

namespace {

using hetsched_bench_gpu::report_failures;
using hetsched_bench_gpu::skipped_without_gpu;

__global__ void empty_kernel() {}

/// The runtime's stream pool size per device, for the multi-stream baseline.
constexpr int raw_stream_count = 8;

std::size_t task_count() { return hetsched_bench::pick_size<std::size_t>(20000, 1000); }

/// task_count() launches of the empty kernel round robin over `stream_count` streams, then a synchronize.
void raw_launches(benchmark::State& state, int stream_count, const char* baseline) {
  if (skipped_without_gpu(state)) return;
  report_failures(state, [&] {
    HETSCHED_CUDA_CHECK(cudaSetDevice(0));
    hetsched_bench_gpu::Streams streams(stream_count);
    const std::size_t count = task_count();
    auto launch_all = [&] {
      for (std::size_t i = 0; i < count; ++i) empty_kernel<<<1, 1, 0, streams[i]>>>();
      HETSCHED_CUDA_CHECK(cudaGetLastError());
      streams.synchronize();
    };
    launch_all();  // warm-up: loads the kernel
    const double seconds = hetsched_bench::timed_loop(state, launch_all);
    hetsched_bench::Baselines::record(baseline, hetsched_bench::report_throughput(state, seconds, count));
  });
}

void gpu_dispatch_raw_one_stream(benchmark::State& state) { raw_launches(state, 1, "raw_one_stream"); }

void gpu_dispatch_raw_streams(benchmark::State& state) { raw_launches(state, raw_stream_count, "raw_streams"); }

/// A runtime on GPU 0 completing tasks by `completion`, and a task builder launching the empty kernel.
struct EmptyKernelRuntime {
  explicit EmptyKernelRuntime(const char* completion) : runtime(config(completion)) {
    hetsched_bench_gpu::require_real_gpu(runtime);
  }
  static hetsched::Config config(const char* completion) {
    hetsched::Config config = hetsched_bench_gpu::gpu0_config();
    config.gpu_completion = completion;
    return config;
  }
  auto launcher() {
    return runtime.task([](hetsched::TaskContext& ctx) { empty_kernel<<<1, 1, 0, ctx.stream()>>>(); })
        .gpus(0.01)
        .cpus(0)
        .name("empty kernel");
  }
  hetsched::Runtime runtime;
};

void gpu_dispatch_hetsched(benchmark::State& state, const char* completion) {
  if (skipped_without_gpu(state)) return;
  report_failures(state, [&] {
    EmptyKernelRuntime setup(completion);
    auto launch = setup.launcher();
    const std::size_t count = task_count();
    std::vector<hetsched::ObjectRef<void>> refs;
    refs.reserve(count);
    auto run_all = [&] {
      refs.clear();
      for (std::size_t i = 0; i < count; ++i) refs.push_back(launch.remote());
      setup.runtime.get(refs);
    };
    run_all();  // warm-up: loads the kernel, creates the completion events
    const double seconds = hetsched_bench::timed_loop(state, run_all);
    const double per_task = hetsched_bench::report_throughput(state, seconds, count);
    hetsched_bench::report_ratio(state, "vs_raw_one_stream", "raw_one_stream", per_task);
    hetsched_bench::report_ratio(state, "vs_raw_streams", "raw_streams", per_task);
  });
}

std::size_t round_trip_count() { return hetsched_bench::pick_size<std::size_t>(2000, 200); }

void gpu_round_trip_raw(benchmark::State& state) {
  if (skipped_without_gpu(state)) return;
  report_failures(state, [&] {
    HETSCHED_CUDA_CHECK(cudaSetDevice(0));
    hetsched_bench_gpu::Streams streams(1);
    const std::size_t count = round_trip_count();
    auto one_at_a_time = [&] {
      for (std::size_t i = 0; i < count; ++i) {
        empty_kernel<<<1, 1, 0, streams[0]>>>();
        HETSCHED_CUDA_CHECK(cudaGetLastError());
        streams.synchronize();
      }
    };
    one_at_a_time();  // warm-up
    const double seconds = hetsched_bench::timed_loop(state, one_at_a_time);
    hetsched_bench::Baselines::record("raw_round_trip", hetsched_bench::report_throughput(state, seconds, count));
  });
}

void gpu_round_trip_hetsched(benchmark::State& state, const char* completion) {
  if (skipped_without_gpu(state)) return;
  report_failures(state, [&] {
    EmptyKernelRuntime setup(completion);
    auto launch = setup.launcher();
    const std::size_t count = round_trip_count();
    auto one_at_a_time = [&] {
      for (std::size_t i = 0; i < count; ++i) setup.runtime.get(launch.remote());
    };
    one_at_a_time();  // warm-up
    const double seconds = hetsched_bench::timed_loop(state, one_at_a_time);
    const double per_task = hetsched_bench::report_throughput(state, seconds, count);
    hetsched_bench::report_ratio(state, "vs_raw_round_trip", "raw_round_trip", per_task);
  });
}

}  // namespace

// Baselines first: the hetsched benchmark divides by their figures.
BENCHMARK(gpu_dispatch_raw_one_stream)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(gpu_dispatch_raw_streams)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(gpu_dispatch_hetsched, events, "events")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(gpu_dispatch_hetsched, host_functions, "host_functions")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(gpu_round_trip_raw)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(gpu_round_trip_hetsched, events, "events")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(gpu_round_trip_hetsched, host_functions, "host_functions")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
