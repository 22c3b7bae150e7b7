/// @file cuda_errors.hpp
/// @brief The calling thread's last CUDA error: clearing it after a call whose failure is handled, and keeping a GPU
/// body's own launch errors apart from the runtime's calls and from inner tasks that run on the same thread.
///
/// cudaGetLastError reads and clears one error per thread. A body's failed kernel launch leaves its error there, and
/// the task is blamed for it when the body returns. Until then, anything else on the thread that clears the error
/// (the runtime's own calls that fail and are handled, an inner task run inline by a blocked get) would lose it, and
/// a failed call would overwrite it. So while a body runs, its LaunchErrorFrame is the thread's current frame, and
/// the runtime saves the pending error into it (save_pending_launch_error) before it makes calls of its own.
#pragma once

#include <cuda_runtime_api.h>

#include "exec/gpu_streams.hpp"

namespace hetsched::detail {

/// The frame of the GPU body running on this thread (the innermost one); null outside GPU bodies.
inline thread_local LaunchErrorFrame* current_launch_frame = nullptr;

/// Moves the error pending on this thread into the running body's frame (the first one it hit wins), so runtime code
/// may then make calls and clear errors of its own. Does nothing outside a GPU body.
inline void save_pending_launch_error() noexcept {
  LaunchErrorFrame* frame = current_launch_frame;
  if (frame == nullptr) return;
  const cudaError_t pending = cudaGetLastError();
  if (frame->status == 0) frame->status = static_cast<int>(pending);
}

/// Clears the thread's last error after a call that returned `status`, when the caller handles that failure itself
/// (or can do nothing about it). Returns whether the call succeeded.
inline bool clear_if_failed(cudaError_t status) noexcept {
  if (status == cudaSuccess) return true;
  cudaGetLastError();
  return false;
}

}  // namespace hetsched::detail
