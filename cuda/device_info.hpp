/// @file device_info.hpp
/// @brief Describing one CUDA device, and whether this build's kernels can run on it. Plain C++ (no CUDA header), so
/// a simulated CUDA library can provide its own definitions.
#pragma once

#include <optional>
#include <string>

#include "hetsched/hardware.hpp"

namespace hetsched::detail {

/// Describes CUDA device `ordinal` (name, memory, SMs, compute capability, PCI bus id); throws CudaError on failure.
GpuInfo describe_device(int ordinal);

/// Why this build's kernels cannot run on CUDA device `ordinal`, in one line naming the CUDA error (for a build
/// without a fitting image, cudaErrorNoKernelImageForDevice); nothing when they can. Asks the driver for a probe kernel
/// compiled into the library, so the answer is the driver's own: machine code for the device's architecture, or PTX
/// it can compile (PTX for compute_80 runs on sm_90; machine code for sm_80 alone does not). Makes the device current
/// for the call only, and creates its context if it had none. Thread-safe; never throws.
std::optional<std::string> kernel_image_problem(int ordinal) noexcept;

/// The compute capabilities this build's kernels were compiled for, e.g. "8.0, 9.0".
std::string built_architectures();

/// The probe kernel kernel_image_problem asks the driver about (never launched). Defined next to the build's kernels
/// (cuda/device_info.cu; the simulated CUDA library gives its own).
const void* kernel_image_probe_address() noexcept;

}  // namespace hetsched::detail
