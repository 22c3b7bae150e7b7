#include "exec/gpu_backend.hpp"

#include <atomic>

namespace hetsched::detail {
namespace {

std::atomic<const GpuBackend*> backend_for_testing{nullptr};

}  // namespace

void use_gpu_backend_for_testing(const GpuBackend* backend) noexcept {
  backend_for_testing.store(backend, std::memory_order_release);
}

const GpuBackend* gpu_backend_for_testing() noexcept { return backend_for_testing.load(std::memory_order_acquire); }

}  // namespace hetsched::detail
