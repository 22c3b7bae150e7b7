// Runtimes whose real GPUs come from a backend other than CUDA's. Internal: tests/internal use it to run the core's
// real-GPU paths on a simulated GPU.
#pragma once

#include <utility>

#include "exec/gpu_backend.hpp"
#include "hetsched/runtime.hpp"

namespace hetsched::detail {

struct RuntimeFactory {
  /// A Runtime started with `config`, its real GPUs `backend`'s (which must outlive it).
  static Runtime with_backend(Config config, const GpuBackend& backend) { return Runtime(std::move(config), &backend); }
};

/// See RuntimeFactory::with_backend.
inline Runtime make_runtime_with_backend(Config config, const GpuBackend& backend) {
  return RuntimeFactory::with_backend(std::move(config), backend);
}

}  // namespace hetsched::detail
