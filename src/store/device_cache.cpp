#include "store/device_cache.hpp"

#include <algorithm>
#include <thread>
#include <vector>

#include "hetsched/detail/intrusive_ptr.hpp"
#include "hetsched/error.hpp"
#include "store/buffer_data.hpp"
#include "store/memory_system.hpp"

namespace hetsched::detail {

DeviceCache::DeviceCache(int device, std::size_t capacity, MemorySystem& memory)
    : device_(device), capacity_(capacity), memory_(memory) {}

DeviceCache::Attempt DeviceCache::allocate(std::size_t bytes, std::size_t own_pinned) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (closed_) {
      throw ObjectStoreFullError("GPU " + std::to_string(device_) +
                                 " takes no more buffers: its Runtime is shutting down");
    }
    if (bytes + own_pinned > capacity_) throw ObjectStoreFullError(full_message(bytes, own_pinned));
    if (used_ + set_aside_ + bytes <= capacity_) {
      used_ += bytes;  // reserved while the memory system allocates without the lock
      reserving_ += bytes;
      lock.unlock();
      std::byte* memory = nullptr;
      try {
        memory = memory_.allocate_device(device_, bytes);
      } catch (...) {
        lock.lock();
        used_ -= bytes;
        reserving_ -= bytes;
        throw;
      }
      lock.lock();
      if (memory) return {memory, 0};  // still reserving until the caller pins it (settled)
      reserving_ -= bytes;
      used_ -= bytes;  // the device itself has less free memory than the capacity says: make room anyway
    }
    if (evict_one(lock)) continue;
    // Memory pinned or set aside by other tasks, or being allocated for one, comes back when they finish: wait.
    if (pinned_ + reserving_ + set_aside_ > own_pinned) return {nullptr, epoch_};
    throw ObjectStoreFullError(full_message(bytes, own_pinned));
  }
}

bool DeviceCache::evict_one(std::unique_lock<std::mutex>& lock) {
  IntrusivePtr<BufferData> victim;
  bool dying = false;  // an unpinned replica whose buffer is being destroyed: its memory is about to come back
  for (BufferData* buffer : lru_) {
    if (buffer->pins_on(device_) != 0) continue;  // exact here: pins on this device change under this mutex
    if (buffer->try_retain()) {
      victim = IntrusivePtr<BufferData>::adopt(buffer);
      break;
    }
    dying = true;
  }
  if (!victim) {
    if (!dying) return false;
    lock.unlock();
    std::this_thread::yield();
    lock.lock();
    return true;
  }
  lock.unlock();  // the victim takes its own mutex, then this one (the lock order)
  victim->evict(device_);
  victim = IntrusivePtr<BufferData>();  // may be the last reference: its destructor takes this cache's mutex
  lock.lock();
  return true;  // evicted, or the victim changed meanwhile: look again
}

void DeviceCache::settled(std::size_t bytes) noexcept {
  std::lock_guard lock(mutex_);
  reserving_ -= bytes;
}

void DeviceCache::free(std::byte* memory, std::size_t bytes) noexcept { release(nullptr, memory, bytes); }

void DeviceCache::drop(Replica& replica, std::size_t bytes) noexcept { release(&replica, replica.memory, bytes); }

void DeviceCache::release(Replica* tracked, std::byte* memory, std::size_t bytes) noexcept {
  {
    // One step: an allocation never sees bytes in use that are neither tracked (evictable) nor pinned.
    std::lock_guard lock(mutex_);
    if (tracked) lru_.erase(tracked->lru_position);
    used_ -= bytes;
    ++epoch_;
  }
  released_.notify_all();
  memory_.free_device(device_, memory, bytes);
}

void DeviceCache::set_aside(std::size_t bytes) {
  std::unique_lock lock(mutex_);
  set_aside_ += bytes;
  while (used_ + set_aside_ > capacity_ && !closed_) {
    if (evict_one(lock)) continue;
    // What is in the way is pinned by running tasks (the ledger never sets aside more than the capacity): they
    // finish, and unpin.
    wait_for_release(lock, epoch_);
  }
  // Replicas never need more than the capacity less what is set aside. Whatever the allocator keeps for reuse
  // beyond that (the memory of the replicas just evicted, say) goes back to the device, where the bodies of the
  // tasks allocate their gpu_memory.
  const std::size_t replica_room = capacity_ - std::min(set_aside_, capacity_);
  lock.unlock();
  memory_.trim(device_, replica_room);
}

void DeviceCache::give_back_set_aside(std::size_t bytes) noexcept {
  {
    std::lock_guard lock(mutex_);
    set_aside_ -= bytes;
    ++epoch_;
  }
  released_.notify_all();
}

void DeviceCache::wait_for_release(std::uint64_t epoch) {
  std::unique_lock lock(mutex_);
  wait_for_release(lock, epoch);
}

void DeviceCache::wait_for_release(std::unique_lock<std::mutex>& lock, std::uint64_t epoch) {
  released_.wait(lock, [&] { return epoch_ != epoch || closed_; });
}

void DeviceCache::track(BufferData& buffer, Replica& replica) {
  std::lock_guard lock(mutex_);
  replica.lru_position = lru_.insert(lru_.end(), &buffer);
}

void DeviceCache::touch(Replica& replica) noexcept {
  std::lock_guard lock(mutex_);
  lru_.splice(lru_.end(), lru_, replica.lru_position);
}

void DeviceCache::pin(Replica& replica, std::size_t bytes) noexcept {
  // Under this mutex, so that the victim scan never sees a replica pinned whose bytes pinned_ does not count yet.
  std::lock_guard lock(mutex_);
  if (replica.pins.fetch_add(1, std::memory_order_relaxed) == 0) pinned_ += bytes;
}

void DeviceCache::unpin(Replica& replica, std::size_t bytes) noexcept {
  {
    std::lock_guard lock(mutex_);
    if (replica.pins.fetch_sub(1, std::memory_order_relaxed) != 1) return;
    pinned_ -= bytes;
    ++epoch_;
  }
  released_.notify_all();
}

void DeviceCache::close() noexcept {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  released_.notify_all();
  for (;;) {
    std::vector<IntrusivePtr<BufferData>> victims;
    {
      std::lock_guard lock(mutex_);
      if (lru_.empty()) return;
      for (BufferData* buffer : lru_) {
        if (buffer->try_retain()) victims.push_back(IntrusivePtr<BufferData>::adopt(buffer));
      }
    }
    if (victims.empty()) {
      std::this_thread::yield();  // only buffers being destroyed are left; they untrack themselves
      continue;
    }
    bool evicted = false;
    for (auto& victim : victims) {
      try {
        evicted |= victim->evict(device_);
      } catch (...) {
        // The write-back failed (a broken device): this copy is lost; the buffer's other replicas are all it has.
      }
    }
    if (!evicted) return;  // what is left is pinned: nothing runs at shutdown, so this is never expected
  }
}

std::size_t DeviceCache::used() const {
  std::lock_guard lock(mutex_);
  return used_;
}

std::string DeviceCache::full_message(std::size_t bytes, std::size_t own_pinned) const {
  std::string device = "GPU " + std::to_string(device_);
  std::string capacity = std::to_string(capacity_) + " bytes";
  if (bytes > capacity_) {
    return device + " cannot hold a buffer of " + std::to_string(bytes) + " bytes: its capacity for buffers is " +
           capacity + "; split the buffer, or raise the capacity (Config::logical_gpu_memory on a logical GPU)";
  }
  if (bytes + own_pinned > capacity_) {
    return device + " cannot hold " + std::to_string(bytes) + " more bytes for this task, which already holds " +
           std::to_string(own_pinned) + " bytes there (its buffers so far and its gpu_memory); its capacity is " +
           capacity + "; have the task use fewer or smaller buffers at once, or declare less gpu_memory";
  }
  return device + " is full: " + std::to_string(bytes) + " more bytes do not fit in " + capacity + " (" +
         std::to_string(used_) + " in use, " + std::to_string(pinned_) +
         " pinned by running tasks) and nothing can be evicted; drop refs to buffers you no longer need, or declare "
         ".gpu_memory(bytes) so that tasks are only placed where their memory fits";
}

}  // namespace hetsched::detail
