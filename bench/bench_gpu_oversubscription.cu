// Workload: oversubscription. B = 12 buffers of S bytes on a GPU with room for C = 8 of them; P = 4 passes, each
// running one read_write task per buffer in order, then a get of every buffer on the host; fresh buffers (put_buffer,
// not timed) per iteration. The device must evict to make room, and write back what it evicts (every task writes).
// Counter moved_over_minimum = bytes the store moved / the least any schedule must move. That least: each pass after
// the first starts with at most C buffers resident, so brings at least B - C in; the first brings all B in; and
// every buffer brought in is written, so goes back once (written back when evicted, or copied by the final get):
// 2 * S * (B + (P - 1) * (B - C)). LRU misses every access of this cyclic pattern, so about
// B * P / (B + (P - 1) * (B - C)) = 2 is expected. Also reported per iteration: evictions and write_backs.
//
// Capacity: a real GPU's capacity for buffers is 90% of its memory, and no Config setting lowers it (only
// Config::logical_gpu_memory exists, for logical GPUs). So:
// - oversubscription_logical_gpu (runs everywhere) sets Config::logical_gpu_memory to C * S on a logical GPU;
// - oversubscription_real_gpu (skipped where there is no CUDA device) first takes all but about C * S of GPU 0's free
//   memory with one cudaMalloc of its own. The store's allocations then fail with cudaErrorMemoryAllocation long
//   before its 90% capacity, which it treats as "full": this exercises eviction and write-back on a real device, and
//   the path where the device has less memory than the capacity says. C is then measured (free memory / S).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "bench_gpu_support.cuh"
#include "bench_support.hpp"

namespace {

using hetsched_bench_gpu::add_one;
using hetsched_bench_gpu::report_failures;
using hetsched_bench_gpu::skipped_without_gpu;

constexpr std::size_t buffer_count = 12;  // B
constexpr std::size_t resident_count = 8;  // C, as configured
constexpr int pass_count = 4;              // P

/// Elements per buffer: 16 MiB buffers in a full run, 4 MiB in quick mode.
std::size_t element_count() { return hetsched_bench::pick_size<std::size_t>(std::size_t{4} << 20, 1 << 20); }

/// Runs the passes once per iteration with `add_one_task` (a task builder taking read_write access to a
/// Buffer<int>), checks every element, and reports the counters for a device holding `resident` buffers.
template <class Builder>
void run_passes(benchmark::State& state, hetsched::Runtime& runtime, const Builder& add_one_task,
                std::size_t resident) {
  const std::vector<int> zeros(element_count(), 0);
  const std::size_t buffer_bytes = zeros.size() * sizeof(int);
  const hetsched::StoreStats before = runtime.store_stats();
  std::size_t wrong = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<hetsched::ObjectRef<hetsched::Buffer<int>>> buffers;
    for (std::size_t b = 0; b < buffer_count; ++b) buffers.push_back(runtime.put_buffer(zeros));
    state.ResumeTiming();
    for (int pass = 0; pass < pass_count; ++pass) {
      for (auto& buffer : buffers) add_one_task.remote(hetsched::read_write(buffer));
    }
    for (auto& buffer : buffers) {
      std::span<const int> view = runtime.get(buffer);
      wrong += static_cast<std::size_t>(
          std::count_if(view.begin(), view.end(), [](int value) { return value != pass_count; }));
    }
    state.PauseTiming();
    buffers.clear();
    state.ResumeTiming();
  }
  if (wrong != 0) throw std::runtime_error(std::to_string(wrong) + " elements missed an update");
  const hetsched::StoreStats after = runtime.store_stats();
  const auto iterations = static_cast<double>(state.iterations());
  const std::size_t evictions = after.evictions - before.evictions;
  if (evictions == 0) {
    throw std::runtime_error("no replica was evicted: the device was not oversubscribed (it held " +
                             std::to_string(resident) + " buffers' worth)");
  }
  const std::size_t moved = hetsched_bench_gpu::bytes_moved(after) - hetsched_bench_gpu::bytes_moved(before);
  const std::size_t fetches_needed = buffer_count + static_cast<std::size_t>(pass_count - 1) * (buffer_count - resident);
  const double minimum = 2.0 * static_cast<double>(buffer_bytes) * static_cast<double>(fetches_needed);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(buffer_count * pass_count));
  state.counters["moved_over_minimum"] = static_cast<double>(moved) / (minimum * iterations);
  state.counters["evictions"] = static_cast<double>(evictions) / iterations;
  state.counters["write_backs"] = static_cast<double>(after.write_backs - before.write_backs) / iterations;
  state.counters["resident_buffers"] = static_cast<double>(resident);
}

void oversubscription_logical_gpu(benchmark::State& state) {
  report_failures(state, [&] {
    const std::size_t buffer_bytes = element_count() * sizeof(int);
    hetsched_bench_gpu::LogicalGpuRuntime logical(resident_count * buffer_bytes);
    const int gpu = logical.logical_gpu();
    std::atomic<int> misplaced{0};
    auto add_one_task = logical.runtime()
                            .task([gpu, &misplaced](hetsched::TaskContext& ctx, std::span<int> values) {
                              if (ctx.gpu_ids().empty() || ctx.gpu_ids()[0] != gpu) ++misplaced;
                              for (int& value : values) ++value;
                            })
                            .gpus(1)
                            .name("add one on the logical GPU");
    run_passes(state, logical.runtime(), add_one_task, resident_count);
    if (misplaced != 0) throw std::runtime_error(std::to_string(misplaced.load()) + " tasks missed the logical GPU");
  });
}

/// Takes GPU 0's free memory but about `leave` bytes for the scope's life (the runtime's pool gives back what it
/// keeps unused first, so what is left is really free). Throws when the device has less than that.
class DeviceMemoryReservation {
 public:
  explicit DeviceMemoryReservation(std::size_t leave) {
    HETSCHED_CUDA_CHECK(cudaSetDevice(0));
    cudaMemPool_t pool = nullptr;
    HETSCHED_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, 0));
    HETSCHED_CUDA_CHECK(cudaDeviceSynchronize());
    HETSCHED_CUDA_CHECK(cudaMemPoolTrimTo(pool, 0));
    std::size_t free_bytes = 0;
    std::size_t total_bytes = 0;
    HETSCHED_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    if (free_bytes <= leave) {
      throw std::runtime_error("GPU 0 has only " + std::to_string(free_bytes) + " bytes free; " +
                               std::to_string(leave) + " are needed");
    }
    HETSCHED_CUDA_CHECK(cudaMalloc(&taken_, free_bytes - leave));
    HETSCHED_CUDA_CHECK(cudaMemGetInfo(&left_, &total_bytes));
  }
  ~DeviceMemoryReservation() {
    if (cudaFree(taken_) != cudaSuccess) cudaGetLastError();
  }
  DeviceMemoryReservation(const DeviceMemoryReservation&) = delete;
  DeviceMemoryReservation& operator=(const DeviceMemoryReservation&) = delete;

  /// Bytes free on GPU 0 once the reservation was made.
  std::size_t left() const noexcept { return left_; }

 private:
  void* taken_ = nullptr;
  std::size_t left_ = 0;
};

void oversubscription_real_gpu(benchmark::State& state) {
  if (skipped_without_gpu(state)) return;
  report_failures(state, [&] {
    const std::size_t buffer_bytes = element_count() * sizeof(int);
    hetsched::Runtime runtime{hetsched_bench_gpu::gpu0_config()};
    hetsched_bench_gpu::require_real_gpu(runtime);
    auto add_one_task = runtime
                            .task([](hetsched::TaskContext& ctx, std::span<int> values) {
                              add_one<<<1024, 256, 0, ctx.stream()>>>(values.data(), values.size());
                            })
                            .gpus(1)
                            .cpus(0)
                            .name("add one on GPU 0");
    {
      // Before the reservation: loads the kernel (lazy module loading allocates device memory at first launch).
      auto warm_up = runtime.put_buffer(std::vector<int>(1, 0));
      runtime.get(add_one_task.remote(hetsched::read_write(warm_up)));
    }
    // Half a buffer of slack for the allocator's granularity; the bound below uses the room actually left.
    DeviceMemoryReservation reservation(resident_count * buffer_bytes + buffer_bytes / 2);
    const std::size_t resident = std::min(reservation.left() / buffer_bytes, buffer_count);
    run_passes(state, runtime, add_one_task, resident);
  });
}

}  // namespace

BENCHMARK(oversubscription_logical_gpu)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(oversubscription_real_gpu)->Unit(benchmark::kMillisecond)->UseRealTime();
