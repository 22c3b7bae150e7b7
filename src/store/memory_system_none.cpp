// The build without CUDA: no real GPU, so host memory stands in for every (logical) GPU.
#include "store/memory_system.hpp"

namespace hetsched::detail {

std::unique_ptr<MemorySystem> make_memory_system(int, int devices) { return make_host_memory_system(devices > 0); }

}  // namespace hetsched::detail
