// What cuda/device_info.hpp declares, for the simulated CUDA build (hetsched_simulated): cuda/device_info.cu needs
// nvcc (__CUDA_ARCH_LIST__, a probe kernel), so the simulated build answers from the simulated machine instead. The
// kernel image check asks cudaFuncGetAttributes with the device current, as cuda/device_info.cu does for its probe
// kernel; the simulated machine's MachineSpec::kernel_images says which images exist.
#include "device_info.hpp"

#include <cuda_runtime_api.h>

#include <array>
#include <exception>
#include <optional>
#include <string>

#include "device_scope.hpp"
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

std::optional<std::string> kernel_image_problem(int ordinal) noexcept {
  try {
    DeviceScope scope(ordinal);
    cudaFuncAttributes attributes{};
    const cudaError_t status = cudaFuncGetAttributes(&attributes, nullptr);  // the simulation has one "kernel"
    if (status == cudaSuccess) return std::nullopt;
    cudaGetLastError();
    return std::string(cudaGetErrorName(status)) + " (" + cudaGetErrorString(status) + ")";
  } catch (const std::exception& error) {
    return std::string(error.what());
  }
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
