/// @file gpu_test_support.cuh
/// @brief What the GPU tests share: the skip when there is no CUDA device, a runtime pinned to GPU 0, where a pointer
/// lives, a device clock for bounded spins, and a watchdog that turns a hang into a failure with a message. Only the
/// public API (and the CUDA runtime) is used.
#pragma once

#include <cuda_runtime_api.h>

#include <chrono>
#include <cstddef>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

#include <hetsched/cuda/cuda_check.hpp>
#include <hetsched/hetsched.hpp>

namespace hetsched_gpu_test {

/// How long a test waits for a task before calling it a hang (get with this timeout throws GetTimeoutError).
inline constexpr std::chrono::seconds hang_guard{60};

/// Why there is no usable CUDA device here, from hardware detection; nothing when there is one. Detected once.
inline const std::optional<std::string>& missing_gpu_reason() {
  static const std::optional<std::string> reason = [] () -> std::optional<std::string> {
    hetsched::HardwareInfo hardware = hetsched::detect_hardware();
    if (!hardware.gpus.empty()) return std::nullopt;
    const std::string prefix = "no CUDA device";
    return hardware.gpu_note.rfind(prefix, 0) == 0 ? hardware.gpu_note : prefix + ": " + hardware.gpu_note;
  }();
  return reason;
}

/// First statement of every GPU test: skips it, with the reason, where there is no CUDA device.
#define HETSCHED_REQUIRE_GPU()                                                              \
  do {                                                                                      \
    if (const auto& hetsched_missing = ::hetsched_gpu_test::missing_gpu_reason()) {         \
      GTEST_SKIP() << *hetsched_missing;                                                    \
    }                                                                                       \
  } while (false)

/// A runtime on GPU 0 only (so every GPU task lands there and no byte moves between GPUs), with CPU slots to spare,
/// independent of the HETSCHED_* environment.
inline hetsched::Config gpu_config(int num_cpus = 4) {
  hetsched::Config config;
  config.num_cpus = num_cpus;
  config.num_gpus = 1;
  config.read_environment = false;
  return config;
}

/// Where the CUDA runtime says a pointer lives.
struct PointerPlace {
  cudaError_t status = cudaSuccess;         ///< What cudaPointerGetAttributes returned.
  cudaMemoryType type = cudaMemoryTypeUnregistered;
  int device = -1;
};

/// Asks cudaPointerGetAttributes about `pointer` (clearing the error it may leave, so it cannot fail a later call).
inline PointerPlace where_is(const void* pointer) {
  cudaPointerAttributes attributes{};
  PointerPlace place;
  place.status = cudaPointerGetAttributes(&attributes, pointer);
  if (place.status != cudaSuccess) {
    cudaGetLastError();
    return place;
  }
  place.type = attributes.type;
  place.device = attributes.device;
  return place;
}

/// "device memory on GPU d" / "host memory" / ..., for failure messages.
inline std::string describe(const PointerPlace& place) {
  if (place.status != cudaSuccess) return std::string("unknown (") + cudaGetErrorName(place.status) + ")";
  switch (place.type) {
    case cudaMemoryTypeDevice: return "device memory on GPU " + std::to_string(place.device);
    case cudaMemoryTypeHost: return "pinned host memory";
    case cudaMemoryTypeManaged: return "managed memory";
    default: return "unregistered (pageable) host memory";
  }
}

/// Nanoseconds of the GPU's global timer (the same clock for every SM), for spins bounded in time.
__device__ inline unsigned long long device_clock_ns() {
  unsigned long long now = 0;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
  return now;
}

/// Ends the process with a message when a step does not finish within its limit (a hang in the runtime's GPU path
/// would otherwise only show as a ctest timeout). Disarmed by its destructor.
class Watchdog {
 public:
  Watchdog(std::string what, std::chrono::seconds limit) : what_(std::move(what)) {
    thread_ = std::thread([this, limit] {
      std::unique_lock lock(mutex_);
      if (changed_.wait_for(lock, limit, [this] { return disarmed_; })) return;
      std::fprintf(stderr, "HANG: %s did not finish within %lld s; ending the test process\n", what_.c_str(),
                   static_cast<long long>(limit.count()));
      std::fflush(stderr);
      std::_Exit(1);
    });
  }
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      disarmed_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::string what_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool disarmed_ = false;
  std::thread thread_;
};

/// An array of T in device memory of the current device, freed at scope end (for state the tests share with kernels
/// outside the store: counters, flags).
template <class T>
class DeviceArray {
 public:
  /// Allocates `count` elements, zero-filled; throws hetsched::CudaError when the device cannot.
  explicit DeviceArray(std::size_t count) {
    HETSCHED_CUDA_CHECK(cudaMalloc(&data_, count * sizeof(T)));
    HETSCHED_CUDA_CHECK(cudaMemset(data_, 0, count * sizeof(T)));
    // The runtime's streams are non-blocking: they would not wait for the memset on the legacy default stream.
    HETSCHED_CUDA_CHECK(cudaDeviceSynchronize());
  }
  ~DeviceArray() {
    if (cudaFree(data_) != cudaSuccess) cudaGetLastError();
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;

  T* data() const noexcept { return data_; }

 private:
  T* data_ = nullptr;
};

/// True when `text` contains `part`.
inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace hetsched_gpu_test
