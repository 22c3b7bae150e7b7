/// @file hardware.hpp
/// @brief What hardware detection found: usable cores, memory and CUDA devices.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace hetsched {

/// One CUDA device as the CUDA runtime describes it.
struct GpuInfo {
  int index = 0;                     ///< CUDA device ordinal.
  std::string name;                  ///< Marketing name, e.g. "NVIDIA H200".
  std::size_t memory_bytes = 0;      ///< Total global memory.
  int multiprocessors = 0;           ///< Streaming multiprocessor count.
  int compute_capability_major = 0;  ///< Compute capability, major part.
  int compute_capability_minor = 0;  ///< Compute capability, minor part.
  std::string pci_bus_id;            ///< PCI bus id, e.g. "0000:3b:00.0".
};

/// The machine as detected once at Runtime start (or by detect_hardware()).
struct HardwareInfo {
  int online_cores = 0;              ///< Cores the OS has online.
  int usable_cores = 0;              ///< Cores this process may use: affinity mask, capped by cgroup v2 cpu.max.
  std::string cores_note;            ///< Which limit decided usable_cores, in words.
  std::size_t memory_bytes = 0;      ///< Usable memory: MemTotal, capped by cgroup memory.max.
  std::string memory_note;           ///< Which limit decided memory_bytes, in words.
  std::vector<GpuInfo> gpus;         ///< CUDA devices found (empty without CUDA, driver or device).
  std::string gpu_note;              ///< One line: why no GPU was found, or which runtime found them.
};

/// Detects the hardware now; never throws, never crashes without a driver (gpu_note says why none was found).
HardwareInfo detect_hardware();

}  // namespace hetsched
