// hetsched::thrust_on(ctx): Thrust on the task's stream with temporaries from the stream-ordered pool. A sort (which
// needs temporary storage) in a GPU task finishes while a kernel on another stream still runs: with
// thrust::cuda::par.on(stream), the cudaFree of the sort's temporaries would wait for that kernel. And a task without a
// stream is told what to change.
#include <thrust/reduce.h>
#include <thrust/sort.h>

#include <cstddef>
#include <numeric>
#include <span>
#include <vector>

#include <hetsched/cuda/thrust_policy.cuh>

#include "gpu_test_support.cuh"

namespace {

using hetsched_gpu_test::contains;
using hetsched_gpu_test::gpu_config;
using hetsched_gpu_test::hang_guard;

/// Spins until the host sets `*release` (mapped pinned memory) or `limit_ns` passes (a failure, never a hang).
__global__ void hold_until_released(const volatile int* release, unsigned long long limit_ns) {
  const unsigned long long deadline = hetsched_gpu_test::device_clock_ns() + limit_ns;
  while (*release == 0 && hetsched_gpu_test::device_clock_ns() < deadline) __nanosleep(1000);
}

/// n, n - 1, ..., 1.
std::vector<int> descending(std::size_t count) {
  std::vector<int> values(count);
  std::iota(values.rbegin(), values.rend(), 1);
  return values;
}

/// Sorts the buffer on the task's stream; returns right after enqueueing (thrust_on does not synchronise).
void sort_on_task_stream(hetsched::TaskContext& ctx, std::span<int> values) {
  thrust::sort(hetsched::thrust_on(ctx), values.data(), values.data() + values.size());
}

TEST(ThrustOn, ASortRunsAtTheSameTimeAsAKernelOnAnotherStreamInsteadOfWaitingForIt) {
  HETSCHED_REQUIRE_GPU();
  constexpr unsigned long long hold_limit_ns = 20'000'000'000ULL;  // 20 s
  constexpr std::size_t elements = std::size_t{1} << 20;
  hetsched::Runtime rt{gpu_config()};
  auto values = rt.put_buffer(descending(elements));

  int* release_host = nullptr;
  ASSERT_EQ(cudaHostAlloc(&release_host, sizeof(int), cudaHostAllocMapped), cudaSuccess);
  int* release_device = nullptr;
  ASSERT_EQ(cudaHostGetDevicePointer(&release_device, release_host, 0), cudaSuccess);
  cudaStream_t other = nullptr;
  ASSERT_EQ(cudaStreamCreateWithFlags(&other, cudaStreamNonBlocking), cudaSuccess);

  // Warm-up: the sort's kernels and the holding kernel are loaded (a lazy module load while a kernel spins could
  // wait for it), the buffer's replica is on the device, and the pool has memory.
  rt.get(rt.task(sort_on_task_stream).gpus(0.5).name("warm-up sort").remote(hetsched::read_write(values)), hang_guard);
  *release_host = 1;
  hold_until_released<<<1, 1, 0, other>>>(release_device, hold_limit_ns);
  ASSERT_EQ(cudaStreamSynchronize(other), cudaSuccess);
  *release_host = 0;

  hold_until_released<<<1, 1, 0, other>>>(release_device, hold_limit_ns);
  auto sorted = rt.task(sort_on_task_stream).gpus(0.5).name("sort").remote(hetsched::read_write(values));
  rt.get(sorted, hang_guard);
  const cudaError_t holder = cudaStreamQuery(other);
  *release_host = 1;
  ASSERT_EQ(cudaStreamSynchronize(other), cudaSuccess);
  EXPECT_EQ(holder, cudaErrorNotReady)
      << "the sort finished only after the kernel on another stream (" << cudaGetErrorName(holder)
      << "): its temporaries were freed with a device-wide synchronisation";

  std::span<const int> host = rt.get(values, hang_guard);
  ASSERT_EQ(host.size(), elements);
  for (std::size_t i = 0; i < host.size(); ++i) ASSERT_EQ(host[i], static_cast<int>(i) + 1) << "at " << i;
  EXPECT_EQ(cudaStreamDestroy(other), cudaSuccess);
  EXPECT_EQ(cudaFreeHost(release_host), cudaSuccess);
}

TEST(ThrustOn, ReducesOnTheTaskStreamWhenTheTaskSharesItsGpu) {
  HETSCHED_REQUIRE_GPU();
  hetsched::Runtime rt{gpu_config()};
  constexpr std::size_t elements = 100'000;
  auto values = rt.put_buffer(descending(elements));
  std::vector<hetsched::ObjectRef<long long>> sums;
  for (int task = 0; task < 4; ++task) {
    sums.push_back(rt.task([](hetsched::TaskContext& ctx, std::span<const int> data) {
                       return thrust::reduce(hetsched::thrust_on(ctx), data.data(), data.data() + data.size(), 0LL);
                     })
                       .gpus(0.25)
                       .remote(hetsched::read(values)));
  }
  const auto n = static_cast<long long>(elements);
  for (auto& sum : sums) EXPECT_EQ(rt.get(sum, hang_guard), n * (n + 1) / 2);
}

// No GPU needed: the task never reaches CUDA.
TEST(ThrustOn, ATaskWithoutAStreamGetsAUsageErrorSayingWhatToChange) {
  hetsched::Config config;
  config.num_cpus = 2;
  config.num_gpus = 0;
  config.read_environment = false;
  hetsched::Runtime rt{config};
  auto failed = rt.task([](hetsched::TaskContext& ctx) { static_cast<void>(hetsched::thrust_on(ctx)); })
                    .name("cpu thrust")
                    .remote();
  try {
    rt.get(failed, hang_guard);
    ADD_FAILURE() << "thrust_on(ctx) in a task without a stream must fail it";
  } catch (const hetsched::TaskError& error) {
    EXPECT_TRUE(contains(error.what(), "thrust_on(ctx)")) << error.what();
    EXPECT_TRUE(contains(error.what(), ".gpus()")) << error.what();
  }
}

}  // namespace
