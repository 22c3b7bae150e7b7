#include "exec/gpu_backend.hpp"

namespace hetsched::detail {

GpuBackend cuda_backend(int detected) { return {detected, &make_memory_system, &make_gpu_streams}; }

}  // namespace hetsched::detail
