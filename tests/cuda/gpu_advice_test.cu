// The advisor's default-stream check on a real device: a GPU task whose kernel goes to the legacy default stream is
// reported once (gpu_task_off_its_stream), one whose kernel goes to ctx.stream() never. The same decision runs on the
// simulated CUDA runtime in every build (tests/internal/advice_gpu_test.cpp); this proves the CUDA queries behind it.
#include <mutex>
#include <vector>

#include "gpu_test_support.cuh"

namespace {

using hetsched_gpu_test::gpu_config;
using hetsched_gpu_test::hang_guard;

/// Spins for `duration_ns` on the device (long enough that the body returns while it still runs).
__global__ void spin(unsigned long long duration_ns) {
  const unsigned long long end = hetsched_gpu_test::device_clock_ns() + duration_ns;
  while (hetsched_gpu_test::device_clock_ns() < end) {
  }
}

constexpr unsigned long long spin_ns = 50'000'000ULL;  // 50 ms

/// A config whose advice lands in `kinds`.
hetsched::Config advised(std::mutex& mutex, std::vector<hetsched::AdviceKind>& kinds) {
  hetsched::Config config = gpu_config();
  config.advice = [&mutex, &kinds](const hetsched::Advice& advice) {
    std::lock_guard lock(mutex);
    kinds.push_back(advice.kind);
  };
  return config;
}

TEST(GpuAdvice, AKernelOnTheDefaultStreamIsReportedOnce) {
  HETSCHED_REQUIRE_GPU();
  std::mutex mutex;
  std::vector<hetsched::AdviceKind> kinds;
  {
    hetsched::Runtime rt{advised(mutex, kinds)};
    for (int i = 0; i < 4; ++i) {
      rt.get(rt.task([](hetsched::TaskContext&) { spin<<<1, 1>>>(spin_ns); }).gpus(1).remote(), hang_guard);
      HETSCHED_CUDA_CHECK(cudaDeviceSynchronize());  // what such a program must do to see its own work end
    }
  }
  std::lock_guard lock(mutex);
  EXPECT_EQ(kinds, std::vector<hetsched::AdviceKind>{hetsched::AdviceKind::gpu_task_off_its_stream});
}

TEST(GpuAdvice, AKernelOnTheTasksStreamIsNotReported) {
  HETSCHED_REQUIRE_GPU();
  std::mutex mutex;
  std::vector<hetsched::AdviceKind> kinds;
  {
    hetsched::Runtime rt{advised(mutex, kinds)};
    for (int i = 0; i < 4; ++i) {
      rt.get(rt.task([](hetsched::TaskContext& ctx) { spin<<<1, 1, 0, ctx.stream()>>>(spin_ns); }).gpus(1).remote(),
             hang_guard);
    }
  }
  std::lock_guard lock(mutex);
  EXPECT_TRUE(kinds.empty());
}

}  // namespace
