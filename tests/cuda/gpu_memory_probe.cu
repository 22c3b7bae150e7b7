// A probe for two defects that only a real GPU shows (scripts/gpu-check.sh runs it alone), printing what GPU 0 and
// its default memory pool hold at each step, in lines that start with "probe:".
//   1. Memory set aside for .gpu_memory() must be free for the body: fill 80% of the GPU with replicas, drop them (the
//      pool may keep what they used), then run a task with .gpu_memory(30 GiB) whose body allocates 30 GiB itself
//      (cudaMalloc, as a library's workspace would).
//   4. That body then runs a Thrust reduction over the 30 GiB with hetsched::thrust_on(ctx), whose temporaries come
//      from the stream-ordered pool.
// Exits 0 when the body's allocation and the reduction succeeded, 1 when not, 77 (skipped) without a GPU or with one
// too small for the probe.
#include <cuda_runtime_api.h>

#include <thrust/functional.h>
#include <thrust/reduce.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <hetsched/cuda/thrust_policy.cuh>
#include <hetsched/hetsched.hpp>

namespace {

constexpr std::size_t gib = std::size_t{1} << 30;
constexpr std::size_t body_bytes = 30 * gib;

double in_gib(std::uint64_t bytes) { return static_cast<double>(bytes) / static_cast<double>(gib); }

/// cudaMemGetInfo of the current device, and its default pool's reserved and used memory.
void print_state(const char* when) {
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  cudaMemPool_t pool = nullptr;
  std::uint64_t reserved = 0;
  std::uint64_t used = 0;
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess || cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess ||
      cudaDeviceGetDefaultMemPool(&pool, device) != cudaSuccess ||
      cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent, &reserved) != cudaSuccess ||
      cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemCurrent, &used) != cudaSuccess) {
    std::printf("probe: %-34s state unreadable: %s\n", when, cudaGetErrorName(cudaGetLastError()));
    return;
  }
  std::printf("probe: %-34s cudaMemGetInfo free %7.2f of %7.2f GiB; pool reserved %7.2f GiB, used %7.2f GiB\n", when,
              in_gib(free_bytes), in_gib(total_bytes), in_gib(reserved), in_gib(used));
}

/// What the 30 GiB task's body saw.
struct BodyReport {
  std::string malloc_status;
  unsigned long long sum = 0;
  std::string reduce_error;
};

}  // namespace

int main() {
  hetsched::Config config;
  config.num_cpus = 4;
  config.num_gpus = 1;
  config.read_environment = false;
  hetsched::Runtime rt{config};
  if (rt.hardware().gpus.empty()) {
    std::printf("skipped: %s\n", rt.hardware().gpu_note.c_str());
    return 77;
  }
  const hetsched::GpuInfo& gpu = rt.hardware().gpus[0];
  if (gpu.memory_bytes < 48 * gib) {
    std::printf("skipped: GPU 0 (%s) has %.1f GiB; the probe needs 48 GiB or more\n", gpu.name.c_str(),
                in_gib(gpu.memory_bytes));
    return 77;
  }
  if (cudaSetDevice(0) != cudaSuccess) return 1;
  std::printf("probe: GPU 0 is %s, %.1f GiB\n", gpu.name.c_str(), in_gib(gpu.memory_bytes));
  print_state("at start");

  // Replicas of 1 GiB each, made on the device by tasks, until 80% of the GPU is taken.
  const std::size_t replica_count = gpu.memory_bytes / 10 * 8 / gib;
  const auto fill_start = std::chrono::steady_clock::now();
  std::vector<hetsched::ObjectRef<hetsched::Buffer<unsigned char>>> replicas;
  for (std::size_t index = 0; index < replica_count; ++index) {
    replicas.push_back(rt.task([](hetsched::TaskContext& ctx) {
                           hetsched::Buffer<unsigned char> out = ctx.alloc<unsigned char>(gib);
                           HETSCHED_CUDA_CHECK(cudaMemsetAsync(out.data(), 1, gib, ctx.stream()));
                           return out;
                         })
                           .gpus(0.1)
                           .name("replica " + std::to_string(index))
                           .remote());
  }
  rt.wait(replicas, replicas.size());  // ready, never fetched to the host
  std::printf("probe: made %zu replicas of 1 GiB in %.2f s\n", replica_count,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_start).count());
  print_state("with 80% of the GPU in replicas");
  replicas.clear();
  rt.get(rt.task([] { return 0; }).remote());  // a round trip, so the store has handled the drops
  print_state("after dropping the replicas");

  auto report = rt.task([](hetsched::TaskContext& ctx) {
                    BodyReport seen;
                    print_state("in the 30 GiB task, before its malloc");
                    void* memory = nullptr;
                    const cudaError_t status = cudaMalloc(&memory, body_bytes);
                    seen.malloc_status = cudaGetErrorName(status);
                    if (status != cudaSuccess) {
                      cudaGetLastError();
                      return seen;
                    }
                    print_state("in the 30 GiB task, after its malloc");
                    try {
                      auto* bytes = static_cast<unsigned char*>(memory);
                      HETSCHED_CUDA_CHECK(cudaMemsetAsync(bytes, 1, body_bytes, ctx.stream()));
                      seen.sum = thrust::reduce(hetsched::thrust_on(ctx), bytes, bytes + body_bytes, 0ULL,
                                                thrust::plus<unsigned long long>());
                    } catch (const std::exception& error) {
                      seen.reduce_error = error.what();
                    }
                    print_state("in the 30 GiB task, after its reduce");
                    HETSCHED_CUDA_CHECK(cudaFree(memory));
                    return seen;
                  })
                    .gpus(1)
                    .gpu_memory(body_bytes)
                    .name("30 GiB body")
                    .remote();
  const BodyReport& seen = rt.get(report);
  print_state("after the 30 GiB task");
  const bool allocated = seen.malloc_status == "cudaSuccess";
  const bool reduced = allocated && seen.reduce_error.empty() && seen.sum == body_bytes;
  std::printf("probe: defect 1 (.gpu_memory(30 GiB) free for the body's cudaMalloc): %s (%s)\n",
              allocated ? "fixed" : "PRESENT", seen.malloc_status.c_str());
  std::printf("probe: defect 4 (a Thrust reduce over it with thrust_on, temporaries from the pool): %s "
              "(sum %llu of %zu%s%s)\n",
              reduced ? "works" : "FAILED", seen.sum, body_bytes, seen.reduce_error.empty() ? "" : "; ",
              seen.reduce_error.c_str());
  return allocated && reduced ? 0 : 1;
}
