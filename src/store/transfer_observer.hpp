// Who wants to see each copy and eviction the buffer store makes, with its timing (the runtime's timeline). The store
// calls it only while one is installed; otherwise a copy costs one pointer load more.
#pragma once

#include <chrono>
#include <cstddef>

#include "store/memory_system.hpp"

namespace hetsched::detail {

class TransferObserver {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  /// `bytes` of a buffer were copied from node `from` to node `to` between `start` and `end` (for a copy queued on a
  /// stream: while it was queued).
  virtual void copied(MemoryNode from, MemoryNode to, std::size_t bytes, TimePoint start, TimePoint end) noexcept = 0;
  /// A replica of `bytes` was evicted from GPU `device` at `at` (`written_back`: it was saved to the host first).
  virtual void evicted(int device, std::size_t bytes, bool written_back, TimePoint at) noexcept = 0;

 protected:
  ~TransferObserver() = default;
};

}  // namespace hetsched::detail
