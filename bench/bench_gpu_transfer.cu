// Workload: host -> device bandwidth through the store. A buffer lives in the store (pinned host memory, from
// put_buffer); each iteration a CPU task declaring write access makes the host copy the only valid one (not timed),
// then a GPU task declaring read access makes the runtime copy it to GPU 0 before its body runs (timed: remote() to
// get() of that task). Bytes per second come from the store's bytes_host_to_device counter, which must grow by the
// buffer's size each iteration.
// Baseline in this binary: cudaMemcpyAsync of the same size from pinned host memory to device memory, then a stream
// synchronize.
// Target: >= 90% of the baseline's bandwidth at 256 MiB, that is vs_memcpy <= 1.11 (time over the baseline's time).
// Skipped where there is no CUDA device.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "bench_gpu_support.cuh"
#include "bench_support.hpp"

namespace {

using hetsched_bench_gpu::report_failures;
using hetsched_bench_gpu::skipped_without_gpu;
using Clock = std::chrono::steady_clock;

/// 1 MiB (overhead-bound), 16 MiB and 256 MiB (bandwidth-bound); 1 MiB only in quick mode.
void transfer_sizes(benchmark::internal::Benchmark* benchmark) {
  const std::vector<std::int64_t> mebibytes =
      hetsched_bench::quick_mode() ? std::vector<std::int64_t>{1} : std::vector<std::int64_t>{1, 16, 256};
  for (std::int64_t size : mebibytes) benchmark->Arg(size << 20);
}

std::string baseline_name(std::size_t bytes) { return "pinned_memcpy_" + std::to_string(bytes); }

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void transfer_raw_pinned_memcpy(benchmark::State& state) {
  if (skipped_without_gpu(state)) return;
  report_failures(state, [&] {
    const auto bytes = static_cast<std::size_t>(state.range(0));
    HETSCHED_CUDA_CHECK(cudaSetDevice(0));
    hetsched_bench_gpu::PinnedBytes host(bytes);
    std::memset(host.data(), 1, bytes);
    hetsched_bench_gpu::DeviceArray<std::byte> device(bytes);
    hetsched_bench_gpu::Streams stream(1);
    auto copy = [&] {
      HETSCHED_CUDA_CHECK(cudaMemcpyAsync(device.data(), host.data(), bytes, cudaMemcpyHostToDevice, stream[0]));
      stream.synchronize();
    };
    copy();  // warm-up
    double total = 0.0;
    for (auto _ : state) {
      const auto start = Clock::now();
      copy();
      const double seconds = seconds_since(start);
      state.SetIterationTime(seconds);
      total += seconds;
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
    hetsched_bench::Baselines::record(baseline_name(bytes), total / static_cast<double>(state.iterations()));
  });
}

void transfer_hetsched(benchmark::State& state) {
  if (skipped_without_gpu(state)) return;
  report_failures(state, [&] {
    const auto bytes = static_cast<std::size_t>(state.range(0));
    hetsched::Runtime runtime{hetsched_bench_gpu::gpu0_config()};
    hetsched_bench_gpu::require_real_gpu(runtime);
    auto ref = runtime.put_buffer(std::vector<std::uint32_t>(bytes / sizeof(std::uint32_t), 1));
    // Write access on the host invalidates the device copy (its memory stays allocated), so the next read on the
    // GPU copies the whole buffer in again.
    auto make_host_copy_the_only_one = runtime.task([](std::span<std::uint32_t>) {}).name("host writer");
    auto read_on_gpu =
        runtime.task([](std::span<const std::uint32_t>) {}).gpus(1).cpus(0).name("gpu reader");
    auto one_transfer = [&] {
      runtime.get(make_host_copy_the_only_one.remote(hetsched::write(ref)));
      const auto start = Clock::now();
      runtime.get(read_on_gpu.remote(hetsched::read(ref)));
      return seconds_since(start);
    };
    one_transfer();  // warm-up: allocates the device replica
    const std::size_t moved_before = runtime.store_stats().bytes_host_to_device;
    double total = 0.0;
    for (auto _ : state) {
      const double seconds = one_transfer();
      state.SetIterationTime(seconds);
      total += seconds;
    }
    const std::size_t moved = runtime.store_stats().bytes_host_to_device - moved_before;
    const auto expected = static_cast<std::size_t>(state.iterations()) * bytes;
    if (moved != expected) {
      throw std::runtime_error("the store copied " + std::to_string(moved) + " bytes to the device, not " +
                               std::to_string(expected) + " (the buffer's size once per iteration)");
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(moved));
    hetsched_bench::report_ratio(state, "vs_memcpy", baseline_name(bytes),
                                 total / static_cast<double>(state.iterations()));
  });
}

}  // namespace

// Baseline first: the hetsched benchmark divides by its figure. Manual time: only the transfer is measured.
BENCHMARK(transfer_raw_pinned_memcpy)->Apply(transfer_sizes)->Unit(benchmark::kMicrosecond)->UseManualTime();
BENCHMARK(transfer_hetsched)->Apply(transfer_sizes)->Unit(benchmark::kMicrosecond)->UseManualTime();
