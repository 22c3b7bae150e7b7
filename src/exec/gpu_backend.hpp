// Where a Runtime gets its real-GPU layer: the CUDA backend (cuda/), or, for tests only, a simulated one that runs
// the same real-GPU code paths of the core (streams, asynchronous copies, completion) in CI, where there is no GPU.
#pragma once

#include <functional>
#include <memory>

#include "exec/gpu_streams.hpp"
#include "store/memory_system.hpp"

namespace hetsched::detail {

/// A stand-in for the CUDA backend: how many devices it has, and how to make its two halves for `devices` of them.
struct GpuBackend {
  int devices = 0;
  std::function<std::unique_ptr<MemorySystem>(int devices)> memory;
  std::function<std::unique_ptr<GpuStreams>(int devices, GpuCompletion completion)> streams;
};

/// Runtimes made from now on use `backend` for their real GPUs instead of CUDA (null: CUDA again). Tests only; the
/// backend must outlive every Runtime made with it.
void use_gpu_backend_for_testing(const GpuBackend* backend) noexcept;
/// The backend set by use_gpu_backend_for_testing, or null.
const GpuBackend* gpu_backend_for_testing() noexcept;

}  // namespace hetsched::detail
