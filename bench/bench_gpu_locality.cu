// Workload: locality of one buffer along a chain of K = 16 tasks that each add one to every element (read_write),
// followed by a get of the buffer on the host; a fresh buffer (put_buffer, not timed) per chain. The buffer should
// go to the device once, stay there for the whole chain, and come back once: counter moved_over_size = bytes the
// store moved per chain / the buffer's size (target: exactly 2). Items are tasks.
// Two runs: on GPU 0 with a kernel per task (skipped where there is no CUDA device), and on a logical GPU with a CPU
// loop per task, which runs everywhere: the same coherence code, with host memory standing in for the device's.
// Baseline: none in time; the ratio is against the least any placement could move (one copy in, one copy out).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
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

constexpr int chain_length = 16;

std::size_t element_count() { return hetsched_bench::pick_size<std::size_t>(std::size_t{16} << 20, 1 << 18); }

/// Runs one chain per iteration with `add_one_task` (a task builder taking read_write access to a Buffer<int>),
/// checks every element, and reports moved_over_size.
template <class Builder>
void run_chains(benchmark::State& state, hetsched::Runtime& runtime, const Builder& add_one_task) {
  const std::vector<int> zeros(element_count(), 0);
  const std::size_t buffer_bytes = zeros.size() * sizeof(int);
  const std::size_t moved_before = hetsched_bench_gpu::bytes_moved(runtime.store_stats());
  std::size_t wrong = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto ref = runtime.put_buffer(zeros);
    state.ResumeTiming();
    for (int step = 0; step < chain_length; ++step) add_one_task.remote(hetsched::read_write(ref));
    std::span<const int> view = runtime.get(ref);
    state.PauseTiming();
    wrong += static_cast<std::size_t>(
        std::count_if(view.begin(), view.end(), [](int value) { return value != chain_length; }));
    ref.reset();
    state.ResumeTiming();
  }
  if (wrong != 0) throw std::runtime_error(std::to_string(wrong) + " elements missed an update of the chain");
  const std::size_t moved = hetsched_bench_gpu::bytes_moved(runtime.store_stats()) - moved_before;
  state.SetItemsProcessed(state.iterations() * chain_length);
  state.counters["moved_over_size"] =
      static_cast<double>(moved) / (static_cast<double>(buffer_bytes) * static_cast<double>(state.iterations()));
}

void locality_real_gpu(benchmark::State& state) {
  if (skipped_without_gpu(state)) return;
  report_failures(state, [&] {
    hetsched::Runtime runtime{hetsched_bench_gpu::gpu0_config()};
    hetsched_bench_gpu::require_real_gpu(runtime);
    auto add_one_task = runtime
                            .task([](hetsched::TaskContext& ctx, std::span<int> values) {
                              add_one<<<1024, 256, 0, ctx.stream()>>>(values.data(), values.size());
                            })
                            .gpus(1)
                            .cpus(0)
                            .name("add one on GPU 0");
    run_chains(state, runtime, add_one_task);
  });
}

void locality_logical_gpu(benchmark::State& state) {
  report_failures(state, [&] {
    hetsched_bench_gpu::LogicalGpuRuntime logical(std::size_t{1} << 30);
    const int gpu = logical.logical_gpu();
    std::atomic<int> misplaced{0};
    auto add_one_task = logical.runtime()
                            .task([gpu, &misplaced](hetsched::TaskContext& ctx, std::span<int> values) {
                              if (ctx.gpu_ids().empty() || ctx.gpu_ids()[0] != gpu) ++misplaced;
                              for (int& value : values) ++value;
                            })
                            .gpus(1)
                            .name("add one on the logical GPU");
    run_chains(state, logical.runtime(), add_one_task);
    if (misplaced != 0) throw std::runtime_error(std::to_string(misplaced.load()) + " tasks missed the logical GPU");
  });
}

}  // namespace

BENCHMARK(locality_real_gpu)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(locality_logical_gpu)->Unit(benchmark::kMillisecond)->UseRealTime();
