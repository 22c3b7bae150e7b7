#include "store/block_pool.hpp"

#include <algorithm>
#include <iterator>
#include <new>
#include <utility>

namespace hetsched::detail {

BlockPool::BlockPool(Allocate allocate, Release release, std::size_t keep_limit, std::size_t granule)
    : allocate_(std::move(allocate)), release_(std::move(release)), keep_limit_(keep_limit),
      granule_(std::max<std::size_t>(granule, 1)) {}

BlockPool::~BlockPool() { trim(); }

std::byte* BlockPool::take(std::size_t bytes) {
  const std::size_t rounded = (std::max<std::size_t>(bytes, 1) + granule_ - 1) / granule_ * granule_;
  {
    std::lock_guard lock(mutex_);
    auto fitting = kept_.lower_bound(rounded);
    if (fitting != kept_.end() && fitting->first - rounded <= rounded / 4) {
      std::byte* block = fitting->second;
      counts_.kept_bytes -= fitting->first;
      counts_.taken_bytes += fitting->first;
      peak_taken_ = std::max(peak_taken_, counts_.taken_bytes);
      kept_.erase(fitting);
      ++counts_.reuses;
      return block;
    }
  }
  std::byte* block = allocate_retrying(rounded);
  std::lock_guard lock(mutex_);
  try {
    sizes_.emplace(block, rounded);
  } catch (...) {
    release_(block);
    throw;
  }
  ++counts_.allocations;
  counts_.taken_bytes += rounded;
  peak_taken_ = std::max(peak_taken_, counts_.taken_bytes);
  return block;
}

std::size_t BlockPool::keep_now() const noexcept {
  return keep_limit_ == keep_up_to_peak ? peak_taken_ : keep_limit_;
}

std::byte* BlockPool::allocate_retrying(std::size_t bytes) {
  try {
    return allocate_(bytes);
  } catch (const std::bad_alloc&) {
    trim();  // kept blocks may be what the allocator is missing
    return allocate_(bytes);
  }
}

void BlockPool::give_back(std::byte* block) noexcept {
  std::unique_lock lock(mutex_);
  auto size = sizes_.find(block);
  if (size == sizes_.end()) return;  // not from this pool: nothing sensible to do with it
  counts_.taken_bytes -= size->second;
  try {
    kept_.emplace(size->second, block);
    counts_.kept_bytes += size->second;
  } catch (...) {
    // No memory for the map node that would remember it: release it now instead.
    sizes_.erase(size);
    ++counts_.releases;
    lock.unlock();
    release_(block);
    return;
  }
  release_largest_while(lock, [this] { return counts_.kept_bytes > keep_now(); });
}

void BlockPool::trim_to(std::size_t keep) noexcept {
  std::unique_lock lock(mutex_);
  release_largest_while(lock, [this, keep] { return counts_.kept_bytes > keep; });
}

template <class Condition>
void BlockPool::release_largest_while(std::unique_lock<std::mutex>& lock, Condition condition) noexcept {
  while (!kept_.empty() && condition()) {
    auto largest = std::prev(kept_.end());
    std::byte* block = largest->second;
    counts_.kept_bytes -= largest->first;
    sizes_.erase(block);
    kept_.erase(largest);
    ++counts_.releases;
    lock.unlock();
    release_(block);  // outside the lock: releasing pinned memory may wait for the device
    lock.lock();
  }
}

BlockPool::Counts BlockPool::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

}  // namespace hetsched::detail
