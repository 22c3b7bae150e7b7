// Describing a CUDA device and asking the driver whether this build's kernels run on it: plain C++ over the CUDA
// runtime, shared by the real build and the simulated one (the probe kernel itself is in device_info.cu, which only
// nvcc compiles).
#include "device_info.hpp"

#include <cuda_runtime_api.h>

#include <array>
#include <exception>
#include <optional>
#include <string>

#include "cuda_errors.hpp"
#include "device_scope.hpp"
#include "hetsched/cuda/cuda_check.hpp"

namespace hetsched::detail {

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
    const cudaError_t status = cudaFuncGetAttributes(&attributes, kernel_image_probe_address());
    if (clear_if_failed(status)) return std::nullopt;
    return std::string(cudaGetErrorName(status)) + " (" + cudaGetErrorString(status) + ")";
  } catch (const std::exception& error) {
    return std::string(error.what());  // the device could not even be made current
  }
}

}  // namespace hetsched::detail
