/// @file device_scope.hpp
/// @brief Making a CUDA device current for one scope without disturbing the calling thread's own choice.
#pragma once

#include <cuda_runtime_api.h>

#include "cuda_errors.hpp"
#include "hetsched/cuda/cuda_check.hpp"

namespace hetsched::detail {

/// Makes `device` current again, as after a scope that changed it; a failure (a broken context) is ignored, since
/// the caller's own work is what matters then. A GPU body's pending launch error is saved first.
inline void restore_device(int device) noexcept {
  save_pending_launch_error();
  clear_if_failed(cudaSetDevice(device));
}

/// Makes `device` the current CUDA device until the scope ends, then restores the caller's: the calling thread may be
/// a task body that expects its own device to stay current. The runtime's CUDA calls on a body's thread run in such
/// a scope, so a launch error the body left pending is saved in its frame (cuda_errors.hpp) before any of them can
/// fail or clear it. Throws CudaError when the device cannot be made current.
class DeviceScope {
 public:
  /// Makes `device` current (a no-op when it already is).
  explicit DeviceScope(int device) : device_(device) {
    save_pending_launch_error();
    HETSCHED_CUDA_CHECK(cudaGetDevice(&previous_));
    if (previous_ != device_) HETSCHED_CUDA_CHECK(cudaSetDevice(device_));
  }
  ~DeviceScope() {
    if (previous_ != device_) restore_device(previous_);
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
  save_pending_launch_error();  // an actor may end inside a GPU body, whose launch error stays its own
  int previous = -1;
  if (!clear_if_failed(cudaGetDevice(&previous)) || (previous != device && !clear_if_failed(cudaSetDevice(device)))) {
    return -1;
  }
  return previous;
}

}  // namespace hetsched::detail
