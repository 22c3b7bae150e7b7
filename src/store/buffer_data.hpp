// A buffer's replicas, one per memory node, and the coherence protocol over them (StarPU's MSI): a task's replica
// is made valid before its body runs (copied from a valid one), a write makes it the owner and every other replica
// invalid, and eviction keeps at least one valid copy. Every state change happens under the buffer's mutex.
//
// For a task on a real GPU the copy is enqueued on the task's own stream, ahead of its body's work, and the replica
// remembers the event after it (Replica::ready): the replica counts as valid at once, and every later user waits for
// that event, on its stream (another task on the GPU) or on the host (a host copy, a write-back). The replica a copy
// reads from stays pinned by the task until its stream has drained, so it is neither evicted nor freed meanwhile.
// Anything that overwrites either side is a later writer, which the task ordering already starts only after the
// task's stream has drained. Other copies (to the host, on logical GPUs) complete before acquire returns.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "hetsched/detail/buffer_handle.hpp"
#include "store/buffer_store.hpp"
#include "store/replica.hpp"

namespace hetsched::detail {

class BufferData {
 public:
  /// What acquire did: the pinned replica's memory, or (must_wait) nothing pinned and the cache epoch to wait on.
  struct Acquired {
    std::byte* memory = nullptr;
    bool must_wait = false;
    std::uint64_t epoch = 0;
    /// The GPU whose replica a copy on the caller's stream reads, pinned until the caller unpins it; -1 when none.
    int pinned_source = -1;
  };

  /// A buffer of `bytes` with no replica yet; the caller owns the first reference.
  BufferData(BufferStorePtr store, std::size_t bytes);
  BufferData(const BufferData&) = delete;
  BufferData& operator=(const BufferData&) = delete;

  /// Installs `memory` on `node` as the only valid replica (a new buffer), pinned when `pin`.
  void adopt_initial(MemoryNode node, std::byte* memory, bool pin);
  /// Makes the replica on `node` ready for `mode` and pins it: allocated (evicting others on a full GPU), filled from
  /// a valid replica unless the access is write-only, and made the owner for a write. `own_pinned`: bytes the caller
  /// already pins on that node. `stream`: the caller's stream on a real GPU (null elsewhere); a copy into the replica
  /// is enqueued on it, and it is made to wait for a copy another task enqueued. must_wait when the GPU's memory is
  /// pinned by other tasks (nothing was pinned).
  Acquired acquire(MemoryNode node, Access mode, std::size_t own_pinned, CUstream_st* stream = nullptr);
  /// Drops one pin taken by acquire or adopt_initial.
  void unpin(MemoryNode node) noexcept;
  /// Drops the pin acquire took on `source` (Acquired::pinned_source) for a copy into the replica on `node`; first,
  /// when `wait_for_copy` (the caller's stream may not have got there yet), waits until that copy is complete.
  void release_source(int source, MemoryNode node, bool wait_for_copy) noexcept;
  /// Frees this buffer's replica on `device` if nobody pins it, writing it back to the host first when it is the
  /// only valid copy; false when it was pinned or had no memory. Called by the device cache.
  bool evict(int device);
  /// Blocks until memory on `node`'s GPU was freed or unpinned since `epoch` (after acquire said must_wait).
  void wait_for_release(MemoryNode node, std::uint64_t epoch) { store_->cache(node).wait_for_release(epoch); }
  /// Pins on `device` now (a hint, read without the mutex).
  int pins_on(int device) const noexcept {
    return devices_[static_cast<std::size_t>(device)].pins.load(std::memory_order_relaxed);
  }

  /// The memory nodes holding a valid replica now, as a placement snapshot spells them (bit 0 the host, bit d + 1
  /// GPU d; GPUs past 62 unmarked). A hint read without the mutex: it may be a moment behind a state change.
  std::uint64_t valid_nodes() const noexcept { return valid_nodes_.load(std::memory_order_relaxed); }
  /// Size in bytes.
  std::size_t bytes() const noexcept { return bytes_; }
  /// Adds a reference.
  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  /// Drops a reference; the last one frees every replica.
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  /// Adds a reference unless the buffer is already being destroyed.
  bool try_retain() noexcept;

 private:
  ~BufferData();

  Replica& replica(MemoryNode node) noexcept {
    return node == host_node ? host_ : devices_[static_cast<std::size_t>(node)];
  }
  std::byte* allocate_unlocked(MemoryNode node, std::size_t own_pinned, std::uint64_t& epoch);
  void install(MemoryNode node, std::byte* memory);
  /// Copies a valid replica to `node`; returns the node it copied from.
  MemoryNode fill(MemoryNode node, CUstream_st* stream, int& pinned_source);
  void pin(MemoryNode node);
  /// Counts a use that copied the buffer from `from` to `to` (from == to: no copy) and tells `watcher` of a copy.
  void note_use(BufferUseWatcher& watcher, MemoryNode from, MemoryNode to) noexcept;
  void write_back(int device);
  void free_replica(MemoryNode node) noexcept;
  void host_wait_quietly(Replica& target) noexcept;
  void set_owner(MemoryNode node) noexcept;
  void normalize() noexcept;
  void publish_valid_nodes() noexcept;

  std::atomic<int> refs_{1};
  BufferStorePtr store_;
  const std::size_t bytes_;
  std::mutex mutex_;
  Replica host_;
  std::unique_ptr<Replica[]> devices_;  // one per GPU of the store
  std::atomic<std::uint64_t> valid_nodes_{0};  // mirrors the replicas' states (publish_valid_nodes)
  std::atomic<std::uint32_t> moved_in_a_row_{0};  // uses in a row that copied it (counted for a BufferUseWatcher)
};

}  // namespace hetsched::detail
