// The build without CUDA: no real GPU, so logical GPUs only (host memory, no streams).
#include "exec/gpu_streams.hpp"
#include "store/memory_system.hpp"

namespace hetsched::detail {

std::unique_ptr<MemorySystem> make_memory_system(int) { return make_host_memory_system(); }

std::unique_ptr<GpuStreams> make_gpu_streams(int, GpuCompletion) { return nullptr; }

}  // namespace hetsched::detail
