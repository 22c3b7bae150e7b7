/// @file device_scope.hpp
/// @brief Making a CUDA device current for one scope without disturbing the calling thread's own choice.
#pragma once

#include <cuda_runtime_api.h>

#include "hetsched/cuda/cuda_check.hpp"

namespace hetsched::detail {

/// Makes `device` the current CUDA device until the scope ends, then restores the caller's: the calling thread may be
/// a task body that expects its own device to stay current. Throws CudaError when the device cannot be made current.
class DeviceScope {
 public:
  /// Makes `device` current (a no-op when it already is).
  explicit DeviceScope(int device) : device_(device) {
    HETSCHED_CUDA_CHECK(cudaGetDevice(&previous_));
    if (previous_ != device_) HETSCHED_CUDA_CHECK(cudaSetDevice(device_));
  }
  ~DeviceScope() {
    // Switching back to a device that was current a moment ago cannot fail in a way worth reporting from a
    // destructor; clear the error so it does not surface in the caller's next call.
    if (previous_ != device_ && cudaSetDevice(previous_) != cudaSuccess) cudaGetLastError();
  }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int device_;
  int previous_ = 0;
};

/// Makes `device` the calling thread's current CUDA device without throwing; returns the one that was current, or -1
/// (the error cleared) when either call failed. For code that must not throw, such as an actor's destruction.
inline int make_device_current(int device) noexcept {
  int previous = -1;
  if (cudaGetDevice(&previous) != cudaSuccess || (previous != device && cudaSetDevice(device) != cudaSuccess)) {
    cudaGetLastError();
    return -1;
  }
  return previous;
}

}  // namespace hetsched::detail
