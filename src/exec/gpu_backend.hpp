// Where a Runtime gets its real-GPU layer: the CUDA backend (cuda/; in a build without CUDA, exec/gpu_none.cpp and
// store/memory_system_none.cpp, which have no real GPU), or one given to the core's constructor, like the simulated
// GPU of tests/internal that runs the same real-GPU code paths (streams, asynchronous copies, completion) where there
// is no GPU.
#pragma once

#include <functional>
#include <memory>

#include "exec/gpu_streams.hpp"
#include "store/memory_system.hpp"

namespace hetsched::detail {

/// A real-GPU layer: how many devices it has, and how to make its two halves for `devices` of them.
struct GpuBackend {
  int devices = 0;
  std::function<std::unique_ptr<MemorySystem>(int devices)> memory;
  std::function<std::unique_ptr<GpuStreams>(int devices, GpuCompletion completion)> streams;
};

/// The CUDA backend for the `detected` GPUs that hardware detection found (none in a build without CUDA).
GpuBackend cuda_backend(int detected);

}  // namespace hetsched::detail
