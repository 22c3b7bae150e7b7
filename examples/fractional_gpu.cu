// Fractional GPUs: four tasks at .gpus(0.25) fit on GPU 0 together, and each runs its kernel on its own stream, so
// the four kernels share the device at the same time. The same four tasks at .gpus(1) take the whole GPU each and run
// one after another. Each kernel is one block of 128 threads stepping a linear congruential generator 2^26 times, a
// small fraction of the GPU kept busy for a while; then Thrust sorts the task's 128 outputs on its stream
// (hetsched::thrust_on(ctx): the sort's temporaries come from the stream-ordered pool, so it never waits for the other
// tasks' kernels as cudaMalloc/cudaFree would). The host checks every output with the generator's jump-ahead formula,
// so the results are exact whatever the timing.
// Look for: the shared run takes about one kernel's time, the exclusive run about four; timings are printed and never
// checked (machines are noisy). Exits non-zero if a result is wrong; exits 77 (ctest: skipped) where there is no CUDA
// device.

#include <thrust/sort.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <hetsched/cuda/thrust_policy.cuh>
#include <hetsched/hetsched.hpp>

#include "checks.hpp"
#include "stopwatch.hpp"

namespace {

constexpr unsigned int threads = 128;
constexpr std::uint32_t steps = std::uint32_t{1} << 26;
constexpr int task_count = 4;
constexpr std::uint32_t multiplier = 1664525u;  // Numerical Recipes' generator, modulo 2^32
constexpr std::uint32_t increment = 1013904223u;

/// out[t] = the generator stepped `count` times from seed + t.
__global__ void step_generator(std::uint32_t* out, std::uint32_t seed, std::uint32_t count) {
  std::uint32_t x = seed + threadIdx.x;
  for (std::uint32_t step = 0; step < count; ++step) x = x * multiplier + increment;
  out[threadIdx.x] = x;
}

/// x -> scale * x + offset, modulo 2^32.
struct Affine {
  std::uint32_t scale;
  std::uint32_t offset;
};

/// `first`, then `second`.
Affine then(Affine first, Affine second) {
  return {second.scale * first.scale, second.scale * first.offset + second.offset};
}

/// The generator stepped `count` times, as one affine map (square and multiply): what the kernel computes, in
/// O(log count) on the host.
Affine jump(std::uint64_t count) {
  Affine result{1, 0};
  for (Affine step{multiplier, increment}; count != 0; count >>= 1, step = then(step, step)) {
    if (count & 1) result = then(result, step);
  }
  return result;
}

std::uint32_t seed_of(int task) { return 1000u * static_cast<std::uint32_t>(task + 1); }

/// Runs the four tasks at `gpus` each (written `label` in messages); checks every output exactly; returns the
/// wall-clock seconds they took and how many distinct streams they were given.
std::pair<double, std::size_t> run_four(hetsched::Runtime& runtime, double gpus, const std::string& label,
                                        examples::Checks& checks) {
  std::vector<hetsched::StreamHandle> streams(task_count);
  examples::Stopwatch stopwatch;
  std::vector<hetsched::ObjectRef<hetsched::Buffer<std::uint32_t>>> outputs;
  for (int task = 0; task < task_count; ++task) {
    outputs.push_back(runtime
                          .task([&streams, task](hetsched::TaskContext& ctx) {
                            streams[static_cast<std::size_t>(task)] = ctx.stream();
                            hetsched::Buffer<std::uint32_t> out = ctx.alloc<std::uint32_t>(threads);
                            step_generator<<<1, threads, 0, ctx.stream()>>>(out.data(), seed_of(task), steps);
                            thrust::sort(hetsched::thrust_on(ctx), out.data(), out.data() + threads);
                            return out;
                          })
                          .gpus(gpus)
                          .name("kernel " + std::to_string(task))
                          .remote());
  }
  std::vector<std::vector<std::uint32_t>> results;
  for (auto& output : outputs) results.push_back(runtime.get(std::move(output)));
  const double seconds = stopwatch.seconds();

  const Affine whole_run = jump(steps);
  for (int task = 0; task < task_count; ++task) {
    const auto& values = results[static_cast<std::size_t>(task)];
    std::vector<std::uint32_t> expected(threads);
    for (std::size_t t = 0; t < expected.size(); ++t) {
      expected[t] = whole_run.scale * (seed_of(task) + static_cast<std::uint32_t>(t)) + whole_run.offset;
    }
    std::sort(expected.begin(), expected.end());
    std::size_t wrong = values.size() == threads ? 0 : threads;
    for (std::size_t t = 0; t < std::min(values.size(), expected.size()); ++t) wrong += values[t] != expected[t];
    checks.expect(wrong == 0, "kernel " + std::to_string(task) + " at " + label +
                                  " computed every generator value, sorted (" + std::to_string(wrong) + " wrong)");
  }
  return {seconds, std::set<hetsched::StreamHandle>(streams.begin(), streams.end()).size()};
}

}  // namespace

int main() {
  hetsched::Config config;
  config.num_gpus = 1;  // the four tasks share GPU 0
  config.read_environment = false;
  hetsched::Runtime runtime{config};
  if (runtime.hardware().gpus.empty()) {
    std::printf("skipped: %s\n", runtime.hardware().gpu_note.c_str());
    return 77;
  }
  examples::Checks checks;
  std::printf("fractional_gpu: %d tasks, each one kernel of %u threads x 2^26 generator steps, on GPU 0 (%s)\n",
              task_count, threads, runtime.hardware().gpus[0].name.c_str());

  run_four(runtime, 1.0, "gpus(1), warm-up", checks);  // loads the kernel, fills the stream and memory pools
  const auto [shared, shared_streams] = run_four(runtime, 0.25, "gpus(0.25)", checks);
  const double exclusive = run_four(runtime, 1.0, "gpus(1)", checks).first;
  examples::print_duration("four at gpus(0.25), sharing GPU 0", shared);
  std::printf("  %-34s distinct streams = %zu of %d\n", "", shared_streams, task_count);
  examples::print_duration("four at gpus(1), one at a time", exclusive);
  std::printf("  %-34s exclusive / shared = %.2f (about %d when the kernels overlap)\n", "", exclusive / shared,
              task_count);
  return checks.exit_code();
}
