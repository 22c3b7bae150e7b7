// Compiled by nvcc: __CUDA_ARCH_LIST__ (the architectures of this build) exists only there.
#include "device_info.hpp"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <array>

#include "hetsched/cuda/cuda_check.hpp"

namespace hetsched::detail {
namespace {

/// Architectures as 100 * major + 10 * minor, e.g. {800, 900}.
constexpr std::array built_architecture_list{__CUDA_ARCH_LIST__};

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

bool has_kernel_image_for(int major, int minor) noexcept {
  int device_architecture = 100 * major + 10 * minor;
  return std::any_of(built_architecture_list.begin(), built_architecture_list.end(),
                     [&](int architecture) { return architecture <= device_architecture; });
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
