/// @file gpu_probe.hpp
/// @brief Asking the CUDA runtime which devices exist; one implementation with CUDA, one without.
#pragma once

#include <string>
#include <vector>

#include "hetsched/hardware.hpp"

namespace hetsched::detail {

/// What a GPU probe found: the devices, and one line saying why there are none or which runtime found them.
struct GpuProbe {
  std::vector<GpuInfo> gpus;  ///< Devices in CUDA ordinal order; empty when there is no usable device.
  std::string note;           ///< One line for people: the reason for no device, or the runtime and driver versions.
};

/// Probes for CUDA devices; never throws, and without a driver or device returns no GPUs and a non-empty note.
GpuProbe probe_gpus() noexcept;

}  // namespace hetsched::detail
