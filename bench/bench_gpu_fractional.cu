// Workload: four tasks, each running one small kernel (one block of 128 threads doing about a millisecond of
// dependent integer arithmetic: a sliver of the GPU), submitted together and awaited. At .gpus(1) each task takes the
// whole GPU, so they run one after another; at .gpus(0.25) all four are on GPU 0 at once, each on its own stream.
// Baselines in this binary: the same four kernels launched directly on one stream (serial) and on four streams (the
// overlap a hand-written program gets), then synchronized.
// Counters: speedup on fractional_hetsched_quarter = time at gpus(1) / time at gpus(0.25) (4 when the kernels overlap
// completely; no target); vs_raw_four_streams = time at gpus(0.25) / time of the four-stream launches (target: <= 1.1).
// Skipped where there is no CUDA device.

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "bench_gpu_support.cuh"
#include "bench_support.hpp"

namespace {

using hetsched_bench_gpu::report_failures;
using hetsched_bench_gpu::skipped_without_gpu;

constexpr int kernel_count = 4;
constexpr unsigned int threads = 128;

/// Dependent steps of a linear congruential generator per thread: about 1 ms on a recent GPU in a full run.
std::uint32_t steps() { return hetsched_bench::pick_size<std::uint32_t>(1u << 18, 1u << 12); }

/// out[t] = the generator stepped `count` times from seed + t (written so the loop cannot be dropped).
__global__ void step_generator(std::uint32_t* out, std::uint32_t seed, std::uint32_t count) {
  std::uint32_t x = seed + threadIdx.x;
  for (std::uint32_t step = 0; step < count; ++step) x = x * 1664525u + 1013904223u;
  out[threadIdx.x] = x;
}

/// The four kernels launched directly, round robin on `stream_count` streams, then synchronized.
void raw_kernels(benchmark::State& state, int stream_count, const char* baseline) {
  if (skipped_without_gpu(state)) return;
  report_failures(state, [&] {
    HETSCHED_CUDA_CHECK(cudaSetDevice(0));
    hetsched_bench_gpu::Streams streams(stream_count);
    hetsched_bench_gpu::DeviceArray<std::uint32_t> out(kernel_count * threads);
    const std::uint32_t count = steps();
    auto run_four = [&] {
      for (int k = 0; k < kernel_count; ++k) {
        step_generator<<<1, threads, 0, streams[static_cast<std::size_t>(k)]>>>(out.data() + k * threads,
                                                                                static_cast<std::uint32_t>(k), count);
      }
      HETSCHED_CUDA_CHECK(cudaGetLastError());
      streams.synchronize();
    };
    run_four();  // warm-up
    const double seconds = hetsched_bench::timed_loop(state, run_four);
    hetsched_bench::Baselines::record(baseline, seconds / static_cast<double>(state.iterations()));
  });
}

/// The four kernels as four hetsched tasks of `gpus` each; returns the seconds per iteration.
double hetsched_kernels(benchmark::State& state, double gpus) {
  hetsched::Runtime runtime{hetsched_bench_gpu::gpu0_config()};
  hetsched_bench_gpu::require_real_gpu(runtime);
  hetsched_bench_gpu::DeviceArray<std::uint32_t> out(kernel_count * threads);
  const std::uint32_t count = steps();
  std::vector<hetsched::ObjectRef<void>> done;
  auto run_four = [&] {
    done.clear();
    for (int k = 0; k < kernel_count; ++k) {
      std::uint32_t* slice = out.data() + k * threads;
      done.push_back(runtime
                         .task([slice, k, count](hetsched::TaskContext& ctx) {
                           step_generator<<<1, threads, 0, ctx.stream()>>>(slice, static_cast<std::uint32_t>(k), count);
                         })
                         .gpus(gpus)
                         .name("small kernel")
                         .remote());
    }
    runtime.get(done);
  };
  run_four();  // warm-up
  const double seconds = hetsched_bench::timed_loop(state, run_four);
  return seconds / static_cast<double>(state.iterations());
}

void fractional_raw_one_stream(benchmark::State& state) { raw_kernels(state, 1, "raw_one_stream"); }

void fractional_raw_four_streams(benchmark::State& state) { raw_kernels(state, kernel_count, "raw_four_streams"); }

void fractional_hetsched_whole(benchmark::State& state) {
  if (skipped_without_gpu(state)) return;
  report_failures(state, [&] {
    const double per_iteration = hetsched_kernels(state, 1.0);
    hetsched_bench::Baselines::record("hetsched_whole", per_iteration);
    hetsched_bench::report_ratio(state, "vs_raw_one_stream", "raw_one_stream", per_iteration);
  });
}

void fractional_hetsched_quarter(benchmark::State& state) {
  if (skipped_without_gpu(state)) return;
  report_failures(state, [&] {
    const double per_iteration = hetsched_kernels(state, 0.25);
    if (auto whole = hetsched_bench::Baselines::find("hetsched_whole"); whole && per_iteration > 0.0) {
      state.counters["speedup"] = *whole / per_iteration;
    }
    hetsched_bench::report_ratio(state, "vs_raw_four_streams", "raw_four_streams", per_iteration);
  });
}

}  // namespace

// Baselines first: the later benchmarks divide by their figures.
BENCHMARK(fractional_raw_one_stream)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(fractional_raw_four_streams)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(fractional_hetsched_whole)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(fractional_hetsched_quarter)->Unit(benchmark::kMillisecond)->UseRealTime();
