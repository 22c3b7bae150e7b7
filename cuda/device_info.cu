// Compiled by nvcc: __CUDA_ARCH_LIST__ (the architectures of this build) exists only there.
#include "device_info.hpp"

#include <cuda_runtime_api.h>

#include <array>
#include <exception>

#include "cuda_errors.hpp"
#include "device_scope.hpp"
#include "hetsched/cuda/cuda_check.hpp"

namespace hetsched::detail {
namespace {

/// Architectures as 100 * major + 10 * minor, e.g. {800, 900}.
constexpr std::array built_architecture_list{__CUDA_ARCH_LIST__};

/// Never launched: only asked about, so that the driver says whether this build's image fits a device.
__global__ void kernel_image_probe() {}

}  // namespace

GpuInfo describe_device(int ordinal) {
  cudaDeviceProp properties{};
  HETSCHED_CUDA_CHECK(cudaGetDeviceProperties(&properties, ordinal));
  // "dddd:bb:dd.f" plus its terminator fits in 13 characters; the runtime asks for room to spare.
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
    // Loads the probe's module for the current device (compiling its PTX when no machine code fits), as a launch
    // would; fails with cudaErrorNoKernelImageForDevice (older drivers: cudaErrorInvalidDeviceFunction) when neither
    // fits, or cudaErrorUnsupportedPtxVersion when the PTX is newer than the driver.
    cudaFuncAttributes attributes{};
    const cudaError_t status = cudaFuncGetAttributes(&attributes, kernel_image_probe);
    if (clear_if_failed(status)) return std::nullopt;
    return std::string(cudaGetErrorName(status)) + " (" + cudaGetErrorString(status) + ")";
  } catch (const std::exception& error) {
    return std::string(error.what());  // the device could not even be made current
  }
}

std::string built_architectures() {
  std::string text;
  for (int architecture : built_architecture_list) {
    if (!text.empty()) text += ", ";
    text += std::to_string(architecture / 100) + "." + std::to_string(architecture / 10 % 10);
  }
  return text;
}

}  // namespace hetsched::detail
