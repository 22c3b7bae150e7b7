// The replica memory of one GPU: a capacity, the bytes in use and pinned, and the replicas in least-recently-used
// order. When an allocation does not fit, unpinned replicas are evicted from the cold end (clean ones dropped, the
// only valid copy written back to the host first). Lock order: a buffer's mutex may be held while taking this
// cache's mutex, never the other way round (victims are locked after this mutex is released).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>

#include "store/replica.hpp"

namespace hetsched::detail {

class MemorySystem;

class DeviceCache {
 public:
  /// Memory for a replica, or (memory null) the epoch to pass to wait_for_release.
  struct Attempt {
    std::byte* memory = nullptr;
    std::uint64_t epoch = 0;
  };

  DeviceCache(int device, std::size_t capacity, MemorySystem& memory);
  DeviceCache(const DeviceCache&) = delete;
  DeviceCache& operator=(const DeviceCache&) = delete;

  /// Memory for `bytes` of replica on this device, evicting cold unpinned replicas as needed. When everything
  /// left is pinned or set aside by other tasks (beyond `own_pinned`, what the caller holds), returns null memory:
  /// the caller
  /// unpins its own replicas and waits with wait_for_release. Throws ObjectStoreFullError naming the device when
  /// nothing else can be freed. Memory returned counts as pinned by someone until the caller calls settled().
  Attempt allocate(std::size_t bytes, std::size_t own_pinned);
  /// Memory from allocate() is now installed and pinned (or given back): it no longer counts as being reserved.
  void settled(std::size_t bytes) noexcept;
  /// Returns memory from allocate() that was never tracked (its buffer's mutex is held).
  void free(std::byte* memory, std::size_t bytes) noexcept;
  /// Stops tracking a replica and returns its memory, in one step (its buffer's mutex is held).
  void drop(Replica& replica, std::size_t bytes) noexcept;
  /// Sets `bytes` of the device aside for a running task's own working memory (its gpu_memory): replicas are evicted
  /// until they fit beside everything set aside, waiting while the ones in the way are pinned by other tasks, and the
  /// memory system then trims what it keeps for replicas to what they may still use, so the body finds its bytes.
  void set_aside(std::size_t bytes);
  /// Ends a set_aside.
  void give_back_set_aside(std::size_t bytes) noexcept;
  /// Blocks until memory was freed or unpinned since `epoch` (or the cache closed).
  void wait_for_release(std::uint64_t epoch);

  /// Starts tracking a replica that just got memory, as the most recently used.
  void track(BufferData& buffer, Replica& replica);
  /// Marks a tracked replica as the most recently used.
  void touch(Replica& replica) noexcept;
  /// Adds a pin to a replica of `bytes` on this device (its buffer's mutex is held).
  void pin(Replica& replica, std::size_t bytes) noexcept;
  /// Drops a pin (its buffer's mutex is held); the last one makes the replica evictable and wakes waiters.
  void unpin(Replica& replica, std::size_t bytes) noexcept;

  /// Refuses later allocations, then evicts every replica (writing back the only valid copies). At shutdown, once no
  /// task runs.
  void close() noexcept;

  /// Bytes of replicas held now.
  std::size_t used() const;
  /// Bytes of replicas it may hold.
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  bool evict_one(std::unique_lock<std::mutex>& lock);
  void wait_for_release(std::unique_lock<std::mutex>& lock, std::uint64_t epoch);
  void release(Replica* tracked, std::byte* memory, std::size_t bytes) noexcept;
  std::string full_message(std::size_t bytes, std::size_t own_pinned) const;

  const int device_;
  const std::size_t capacity_;
  MemorySystem& memory_;
  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::size_t used_ = 0;
  std::size_t pinned_ = 0;
  std::size_t set_aside_ = 0;  // running tasks' gpu_memory: replicas fit beside it
  std::size_t reserving_ = 0;  // allocated but not yet pinned by the caller: others wait for it, never fail on it
  std::uint64_t epoch_ = 0;  // advances whenever memory is freed or unpinned
  bool closed_ = false;
  std::list<BufferData*> lru_;  // least recently used first
};

}  // namespace hetsched::detail
