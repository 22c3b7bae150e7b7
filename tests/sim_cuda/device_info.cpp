// What cuda/device_info.hpp declares, for the simulated CUDA build (hetsched_simulated): cuda/device_info.cu needs
// nvcc's __CUDA_ARCH_LIST__, so the simulated build answers from the simulated machine instead. The kernel image
// check asks cudaFuncGetAttributes with the device current, as a real check of the image would; the simulated
// machine's MachineSpec::kernel_images says which images exist.
#include "device_info.hpp"

#include <cuda_runtime_api.h>

#include <array>
#include <string>

#include "hetsched/cuda/cuda_check.hpp"
#include "machine.hpp"

namespace hetsched::detail {

GpuInfo describe_device(int ordinal) {
  cudaDeviceProp properties{};
  HETSCHED_CUDA_CHECK(cudaGetDeviceProperties(&properties, ordinal));
  std::array<char, 32> bus_id{};
  HETSCHED_CUDA_CHECK(cudaDeviceGetPCIBusId(bus_id.data(), static_cast<int>(bus_id.size()), ordinal));
  GpuInfo info;
  info.index = ordinal;
  info.name = properties.name;
  info.memory_bytes = properties.totalGlobalMem;
  info.multiprocessors = properties.multiProcessorCount;
  info.compute_capability_major = properties.major;
  info.compute_capability_minor = properties.minor;
  info.pci_bus_id = bus_id.data();
  return info;
}

bool has_kernel_image_for(int major, int minor) noexcept {
  sim::detail::Machine& machine = sim::detail::Machine::instance();
  std::lock_guard lock(machine.mutex);
  return machine.has_image(100 * major + 10 * minor);
}

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
