/// @file event_pool.hpp
/// @brief The events of one CUDA device, kept for reuse: creating one is a driver call, and the runtime records one
/// per GPU task (its completion) and one per replica a task's stream fills (its ready point).
#pragma once

#include <cuda_runtime_api.h>

#include <mutex>
#include <vector>

#include "cuda_errors.hpp"
#include "hetsched/cuda/cuda_check.hpp"

namespace hetsched::detail {

/// Events of one device given back and not yet destroyed. Thread-safe.
class EventPool {
 public:
  EventPool() = default;
  EventPool(const EventPool&) = delete;
  EventPool& operator=(const EventPool&) = delete;

  /// An event of the pool's device, which must be current: a given-back one when there is one, else a new one.
  /// Throws CudaError when none can be created.
  cudaEvent_t take() {
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        cudaEvent_t event = free_.back();
        free_.pop_back();
        return event;
      }
    }
    cudaEvent_t event = nullptr;
    HETSCHED_CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
    return event;
  }

  /// Keeps an event whose recorded work has completed, for a later take().
  void give_back(cudaEvent_t event) noexcept {
    try {
      std::lock_guard lock(mutex_);
      free_.push_back(event);
    } catch (...) {
      destroy(event);  // no room to keep it
    }
  }

  /// Destroys every kept event; the pool's device must be current (or its context broken).
  void destroy_all() noexcept {
    std::lock_guard lock(mutex_);
    for (cudaEvent_t event : free_) destroy(event);
    free_.clear();
  }

  /// Destroys an event that may belong to a broken context; nothing useful can be done when that fails.
  static void destroy(cudaEvent_t event) noexcept {
    clear_if_failed(cudaEventDestroy(event));
  }

 private:
  std::mutex mutex_;
  std::vector<cudaEvent_t> free_;
};

}  // namespace hetsched::detail
