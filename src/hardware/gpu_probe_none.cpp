#include "hardware/gpu_probe.hpp"

namespace hetsched::detail {

GpuProbe probe_gpus() noexcept {
  GpuProbe probe;
  probe.note = "built without CUDA (HETSCHED_CUDA=OFF)";
  return probe;
}

}  // namespace hetsched::detail
