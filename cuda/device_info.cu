// Compiled by nvcc: the probe kernel, and __CUDA_ARCH_LIST__ (the architectures of this build), which exists only
// there. The rest of device_info.hpp is plain C++ in device_info.cpp.
#include "device_info.hpp"

#include <array>
#include <string>

namespace hetsched::detail {
namespace {

/// Architectures as 100 * major + 10 * minor, e.g. {800, 900}.
constexpr std::array built_architecture_list{__CUDA_ARCH_LIST__};

/// Never launched: only asked about, so that the driver says whether this build's image fits a device.
__global__ void kernel_image_probe() {}

}  // namespace

const void* kernel_image_probe_address() noexcept { return reinterpret_cast<const void*>(&kernel_image_probe); }

std::string built_architectures() {
  std::string text;
  for (int architecture : built_architecture_list) {
    if (!text.empty()) text += ", ";
    text += std::to_string(architecture / 100) + "." + std::to_string(architecture / 10 % 10);
  }
  return text;
}

}  // namespace hetsched::detail
