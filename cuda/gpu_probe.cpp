// GPU probing through the CUDA runtime; the build without CUDA uses src/hardware/gpu_probe_none.cpp instead.
#include <cuda_runtime_api.h>

#include <cstdlib>
#include <exception>
#include <optional>
#include <string>

#include "cuda_errors.hpp"
#include "device_info.hpp"
#include "hardware/gpu_probe.hpp"

namespace hetsched::detail {
namespace {

/// A CUDA version number such as 13000 as "13.0".
std::string version_text(int version) {
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

std::string error_text(cudaError_t status) {
  return std::string(cudaGetErrorName(status)) + " (" + cudaGetErrorString(status) + ")";
}

/// Why cudaGetDeviceCount failed, in one line.
std::string no_device_reason(cudaError_t status, int runtime_version, int driver_version) {
  std::string runtime = "CUDA runtime " + version_text(runtime_version);
  if (status == cudaErrorInsufficientDriver && driver_version == 0) {
    return "no CUDA driver: " + error_text(status) + "; " + runtime;
  }
  if (status == cudaErrorInsufficientDriver) {
    return "CUDA driver too old: " + error_text(status) + "; driver supports CUDA " + version_text(driver_version) +
           ", " + runtime;
  }
  std::string reason = (status == cudaErrorNoDevice ? "no CUDA device: " : "CUDA unavailable: ") + error_text(status);
  if (const char* visible = std::getenv("CUDA_VISIBLE_DEVICES")) {
    reason += "; CUDA_VISIBLE_DEVICES=\"" + std::string(visible) + "\"";
  }
  return reason;
}

/// The note for devices found: counts and versions, and any device this build has no kernels for.
std::string found_note(const GpuProbe& probe, int runtime_version, int driver_version) {
  std::string note = std::to_string(probe.gpus.size()) + (probe.gpus.size() == 1 ? " CUDA device" : " CUDA devices") +
                     " via CUDA runtime " + version_text(runtime_version) + ", driver " +
                     version_text(driver_version) + "; kernels built for compute capability " + built_architectures();
  for (const GpuInfo& gpu : probe.gpus) {
    if (const std::optional<std::string> problem = kernel_image_problem(gpu.index)) {
      note += "; device " + std::to_string(gpu.index) + " (" + gpu.name + ", compute capability " +
              std::to_string(gpu.compute_capability_major) + "." + std::to_string(gpu.compute_capability_minor) +
              ") cannot run them: " + *problem;
    }
  }
  return note;
}

}  // namespace

GpuProbe probe_gpus() noexcept {
  GpuProbe probe;
  try {
    // Both version queries succeed without a driver (the driver version then reads 0).
    int runtime_version = 0;
    int driver_version = 0;
    cudaRuntimeGetVersion(&runtime_version);
    cudaDriverGetVersion(&driver_version);
    int count = 0;
    cudaError_t status = cudaGetDeviceCount(&count);
    if (!clear_if_failed(status)) {
      probe.note = no_device_reason(status, runtime_version, driver_version);
      return probe;
    }
    if (count == 0) {
      probe.note = "no CUDA device: the CUDA runtime " + version_text(runtime_version) + " found none";
      return probe;
    }
    for (int ordinal = 0; ordinal < count; ++ordinal) probe.gpus.push_back(describe_device(ordinal));
    probe.note = found_note(probe, runtime_version, driver_version);
  } catch (const std::exception& error) {
    // Ordinals must stay contiguous for the executor, so one unreadable device means none are offered.
    probe.gpus.clear();
    probe.note = std::string("GPU probing failed: ") + error.what();
  }
  return probe;
}

}  // namespace hetsched::detail
