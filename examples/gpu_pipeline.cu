// GPU workload: generate -> transform -> reduce, three tasks on GPU 0, each running Thrust on its own stream
// (hetsched::thrust_on(ctx): the task's stream, with Thrust's temporaries from the device's stream-ordered pool, so
// that no Thrust call waits for other tasks' work as cudaMalloc/cudaFree would). The data never leaves the device
// between them: `generate` allocates it there (ctx.alloc) and fills it with 0, 1, ..., n - 1; `transform` rewrites
// it in place (read_write) as 2i + 1; `reduce` reads it (read) and returns the sum, which is n * n (the sum of the
// first n odd numbers), computed on integers so the check is exact.
// Look for: the store moves no byte between host and device while the three tasks run; asking for the buffer on the
// host at the end copies it back, exactly once. Exits non-zero if a value or a counter says otherwise; exits 77
// (ctest: skipped) where there is no CUDA device.

#include <thrust/functional.h>
#include <thrust/reduce.h>
#include <thrust/sequence.h>
#include <thrust/transform.h>

#include <cstddef>
#include <cstdio>
#include <span>
#include <string>

#include <hetsched/cuda/thrust_policy.cuh>
#include <hetsched/hetsched.hpp>

#include "checks.hpp"

namespace {

constexpr std::size_t element_count = std::size_t{1} << 24;  // 16M ints, 64 MiB
constexpr std::size_t buffer_bytes = element_count * sizeof(int);

/// i -> 2i + 1 (the i-th odd number).
struct OddNumber {
  __host__ __device__ int operator()(int i) const { return 2 * i + 1; }
};

void print_transfers(const char* when, const hetsched::StoreStats& stats) {
  std::printf("  %-28s host->device %zu, device->host %zu, device->device %zu bytes\n", when,
              stats.bytes_host_to_device, stats.bytes_device_to_host, stats.bytes_device_to_device);
}

}  // namespace

int main() {
  hetsched::Config config;
  config.num_gpus = 1;              // GPU 0 only: every task lands there, so nothing moves between GPUs
  config.read_environment = false;  // the byte counts below assume exactly that
  hetsched::Runtime runtime{config};
  if (runtime.hardware().gpus.empty()) {
    std::printf("skipped: %s\n", runtime.hardware().gpu_note.c_str());
    return 77;
  }
  examples::Checks checks;
  std::printf("gpu_pipeline: %zu ints (%zu MiB) on GPU 0 (%s): generate -> transform -> reduce, Thrust on each "
              "task's stream\n",
              element_count, buffer_bytes >> 20, runtime.hardware().gpus[0].name.c_str());

  hetsched::ObjectRef<hetsched::Buffer<int>> values =
      runtime.task([](hetsched::TaskContext& ctx, std::size_t count) {
               hetsched::Buffer<int> out = ctx.alloc<int>(count);  // device memory of this task's GPU
               thrust::sequence(hetsched::thrust_on(ctx), out.data(), out.data() + count);
               return out;
             })
          .gpus(1)
          .name("generate")
          .remote(element_count);
  runtime.task([](hetsched::TaskContext& ctx, std::span<int> data) {
           thrust::transform(hetsched::thrust_on(ctx), data.data(), data.data() + data.size(), data.data(),
                             OddNumber{});
         })
      .gpus(1)
      .name("transform")
      .remote(hetsched::read_write(values));
  hetsched::ObjectRef<long long> sum =
      runtime.task([](hetsched::TaskContext& ctx, std::span<const int> data) {
               // reduce returns a host value, so Thrust waits for this stream (and no other) itself; sequence and
               // transform above return as soon as their kernels are enqueued.
               return thrust::reduce(hetsched::thrust_on(ctx), data.data(), data.data() + data.size(), 0LL,
                                     thrust::plus<long long>());
             })
          .gpus(1)
          .name("reduce")
          .remote(hetsched::read(values));

  const long long total = runtime.get(sum);
  const long long expected = static_cast<long long>(element_count) * static_cast<long long>(element_count);
  std::printf("  sum of 2i + 1 for i < n        = %lld (n * n = %lld)\n", total, expected);
  checks.expect(total == expected, "the reduce task returns n * n");

  const hetsched::StoreStats during = runtime.store_stats();
  print_transfers("while the tasks ran:", during);
  checks.expect(during.bytes_host_to_device == 0, "nothing is copied to the device: the data was made there");
  checks.expect(during.bytes_device_to_host == 0, "nothing comes back to the host before the final get");
  checks.expect(during.bytes_device_to_device == 0, "one GPU: nothing moves between GPUs");
  checks.expect(!during.device_bytes.empty() && during.device_bytes[0] == buffer_bytes,
                "the buffer's one replica is on GPU 0 (" +
                    std::to_string(during.device_bytes.empty() ? 0 : during.device_bytes[0]) + " bytes there)");

  std::span<const int> host = runtime.get(values);  // the final get: the one copy back
  const hetsched::StoreStats after = runtime.store_stats();
  print_transfers("after the final get:", after);
  checks.expect(after.bytes_device_to_host == buffer_bytes, "the final get copies the buffer back exactly once");
  checks.expect(after.bytes_host_to_device == 0, "the final get copies nothing to the device");

  std::size_t wrong = 0;
  for (std::size_t i = 0; i < host.size(); ++i) wrong += host[i] != 2 * static_cast<int>(i) + 1;
  std::printf("  host view: %zu values, %zu wrong\n", host.size(), wrong);
  checks.expect(host.size() == element_count && wrong == 0, "the host view holds 2i + 1 at every index i");
  return checks.exit_code();
}
