// The build without CUDA: no real GPU, so no streams (every GPU is logical; store/memory_system_none.cpp is its
// memory).
#include "exec/gpu_streams.hpp"

namespace hetsched::detail {

std::unique_ptr<GpuStreams> make_gpu_streams(int, GpuCompletion) { return nullptr; }

}  // namespace hetsched::detail
