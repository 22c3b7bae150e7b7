// The half of cuda/device_info.hpp that cuda/device_info.cu gives the real build, for the simulated CUDA build
// (hetsched_simulated): the .cu needs nvcc (__CUDA_ARCH_LIST__, a probe kernel), so the simulated build answers from
// the simulated machine instead. cuda/device_info.cpp's kernel image check then asks the simulated
// cudaFuncGetAttributes, and MachineSpec::kernel_images says which images exist.
#include "device_info.hpp"

#include <mutex>
#include <string>

#include "machine.hpp"

namespace hetsched::detail {

const void* kernel_image_probe_address() noexcept { return nullptr; }  // the simulation has one "kernel"

std::string built_architectures() {
  sim::detail::Machine& machine = sim::detail::Machine::instance();
  std::lock_guard lock(machine.mutex);
  std::string text;
  for (int architecture : machine.kernel_images) {
    if (!text.empty()) text += ", ";
    text += std::to_string(architecture / 100) + "." + std::to_string(architecture / 10 % 10);
  }
  return text;
}

}  // namespace hetsched::detail
