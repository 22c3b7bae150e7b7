// Several GPUs: a Runtime enables peer access between every pair of devices that supports it, and a GPU actor's
// destructor runs with its own device current. Each test skips itself, saying why, with fewer than two GPUs.
#include <atomic>
#include <tuple>

#include "gpu_test_support.cuh"

namespace {

using hetsched_gpu_test::hang_guard;

/// The number of CUDA devices.
int gpu_count() { return static_cast<int>(hetsched::detect_hardware().gpus.size()); }

#define HETSCHED_REQUIRE_TWO_GPUS()                                                                      \
  do {                                                                                                   \
    HETSCHED_REQUIRE_GPU();                                                                              \
    if (gpu_count() < 2) GTEST_SKIP() << "one CUDA device here; peer access needs two or more";          \
  } while (false)

hetsched::Config all_gpus_config() {
  hetsched::Config config = hetsched_gpu_test::gpu_config(4);
  config.num_gpus = gpu_count();
  return config;
}

TEST(MultiGpu, ARuntimeEnablesPeerAccessBetweenEveryPairThatSupportsIt) {
  HETSCHED_REQUIRE_TWO_GPUS();
  hetsched::Runtime rt{all_gpus_config()};
  int pairs = 0;
  for (int device = 0; device < gpu_count(); ++device) {
    ASSERT_EQ(cudaSetDevice(device), cudaSuccess);
    for (int peer = 0; peer < gpu_count(); ++peer) {
      int can_access = 0;
      if (peer == device || cudaDeviceCanAccessPeer(&can_access, device, peer) != cudaSuccess || !can_access) continue;
      ++pairs;
      // Enabling again is how CUDA tells whether it is enabled: the Runtime must have done it already.
      const cudaError_t status = cudaDeviceEnablePeerAccess(peer, 0);
      cudaGetLastError();
      EXPECT_EQ(status, cudaErrorPeerAccessAlreadyEnabled)
          << "peer access from GPU " << device << " to GPU " << peer << " was not enabled (" << cudaGetErrorName(status)
          << ")";
    }
  }
  ASSERT_EQ(cudaSetDevice(0), cudaSuccess);
  if (pairs == 0) GTEST_SKIP() << "no pair of these GPUs supports peer access";
}

/// Writes the device current on the destroying thread to `*seen`.
struct DeviceRecorder {
  explicit DeviceRecorder(std::atomic<int>* seen) : seen_(seen) {}
  ~DeviceRecorder() {
    int device = -1;
    if (cudaGetDevice(&device) != cudaSuccess) device = -2;
    seen_->store(device);
  }
  DeviceRecorder(const DeviceRecorder&) = delete;
  DeviceRecorder& operator=(const DeviceRecorder&) = delete;
  int device(hetsched::TaskContext& ctx) const { return ctx.gpu_ids()[0]; }

 private:
  std::atomic<int>* seen_;
};

TEST(MultiGpu, AGpuActorIsDestroyedWithItsOwnDeviceCurrent) {
  HETSCHED_REQUIRE_TWO_GPUS();
  hetsched::Runtime rt{all_gpus_config()};
  std::atomic<int> seen_first{-3};
  std::atomic<int> seen_second{-3};
  auto first = rt.actor<DeviceRecorder>().gpus(1).remote(&seen_first);
  auto second = rt.actor<DeviceRecorder>().gpus(1).remote(&seen_second);
  const int first_device = rt.get(first.call(&DeviceRecorder::device), hang_guard);
  const int second_device = rt.get(second.call(&DeviceRecorder::device), hang_guard);
  ASSERT_NE(first_device, second_device);
  for (auto [actor, own, other, seen] : {std::tuple{&second, second_device, first_device, &seen_second},
                                         std::tuple{&first, first_device, second_device, &seen_first}}) {
    ASSERT_EQ(cudaSetDevice(other), cudaSuccess);
    actor->kill();  // no call is running: the instance is destroyed on this thread
    EXPECT_EQ(seen->load(), own) << "the actor on GPU " << own << " was destroyed with another device current";
    int current = -1;
    ASSERT_EQ(cudaGetDevice(&current), cudaSuccess);
    EXPECT_EQ(current, other) << "the killing thread's own device was not restored";
  }
  ASSERT_EQ(cudaSetDevice(0), cudaSuccess);
}

}  // namespace
