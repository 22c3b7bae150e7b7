/// @file device_info.hpp
/// @brief Describing one CUDA device, and whether this build's kernels can run on it.
#pragma once

#include <string>

#include "hetsched/hardware.hpp"

namespace hetsched::detail {

/// Describes CUDA device `ordinal` (name, memory, SMs, compute capability, PCI bus id); throws CudaError on failure.
GpuInfo describe_device(int ordinal);

/// Whether this build carries code a device of compute capability major.minor can run: some architecture it was
/// compiled for is not newer than the device (plain CMake architecture numbers embed PTX, which JIT-compiles forward).
bool has_kernel_image_for(int major, int minor) noexcept;

/// The compute capabilities this build's kernels were compiled for, e.g. "8.0, 9.0".
std::string built_architectures();

}  // namespace hetsched::detail
