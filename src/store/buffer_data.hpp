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
//
// The host copy counts against the host budget (Config::object_store_bytes) and may be spilled to disk while nobody
// pins it: the buffer is the budget's SpillClient. Whoever touches the host memory pins it first (pin_host), which
// restores a spilled copy that is still valid, and forgets one that is about to be overwritten; so host_.memory is
// only read or written by a pinner or by the budget while it spills or restores (when nobody can pin). A spilled copy
// that was not valid writes nothing to disk. A view that get handed out keeps the host copy in memory for good, as
// get's reference does an object. Lock order: the buffer's mutex, then the budget's.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

#include "hetsched/detail/buffer_handle.hpp"
#include "hetsched/detail/object_entry.hpp"
#include "store/buffer_store.hpp"
#include "store/replica.hpp"

namespace hetsched::detail {

class BufferData final : public SpillClient {
 public:
  /// What acquire did: the pinned replica's memory, or (must_wait) nothing pinned and the cache epoch to wait on.
  struct Acquired {
    std::byte* memory = nullptr;
    bool must_wait = false;
    std::uint64_t epoch = 0;
    /// The GPU whose replica a copy on the caller's stream reads, pinned until the caller unpins it; -1 when none.
    int pinned_source = -1;
    /// Whether the host copy a copy on the caller's stream reads stays pinned until release_host_source.
    bool pinned_host = false;
  };

  /// A buffer of `bytes` with no replica yet; the caller owns the first reference.
  BufferData(BufferStorePtr store, std::size_t bytes);
  BufferData(const BufferData&) = delete;
  BufferData& operator=(const BufferData&) = delete;

  /// Installs `memory` on GPU `node` as the only valid replica (a new buffer), pinned when `pin`.
  void adopt_initial(MemoryNode node, std::byte* memory, bool pin);
  /// Allocates the host copy as the only valid replica (a new buffer), counted against the host budget, and returns
  /// it, pinned when `pin` (the caller fills it, then unpins). ObjectStoreFullError when the budget cannot make room.
  std::byte* create_on_host(bool pin);
  /// Keeps the host copy in memory for good: a view into it was handed out. Called while the caller pins it.
  void keep_on_host();
  /// Whether the host copy is on disk now (for list_objects).
  bool host_spilled();
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
  /// As release_source, for the host copy (Acquired::pinned_host).
  void release_host_source(MemoryNode node, bool wait_for_copy) noexcept;
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

  /// What the caller of pin_host does with the host copy: reads it (a spilled copy is restored), overwrites it (a
  /// spilled one is forgotten), or writes a GPU replica back into it (never refused by the budget).
  enum class HostUse : std::uint8_t { read, overwrite, write_back };

  // The host budget's SpillClient: called by it only, while nobody pins the host copy.
  std::size_t spilled_size() const override;
  void write_spilled(std::span<std::byte> out) const override;
  std::span<const std::byte> spilled_view() const override;
  void drop_spilled() noexcept override;
  void restore_spilled(std::span<const std::byte> in) override;

  /// Pins the host copy for `use` (allocating and counting it the first time) and returns its memory; under mutex_.
  std::byte* pin_host(HostUse use);
  /// Drops a pin of pin_host.
  void unpin_host() noexcept;
  Replica& replica(MemoryNode node) noexcept {
    return node == host_node ? host_ : devices_[static_cast<std::size_t>(node)];
  }
  std::byte* allocate_unlocked(MemoryNode node, std::size_t own_pinned, std::uint64_t& epoch);
  void install(MemoryNode node, std::byte* memory);
  /// Copies a valid replica to `node`; returns the node it copied from.
  MemoryNode fill(MemoryNode node, CUstream_st* stream, Acquired& acquired);
  void pin(MemoryNode node);
  /// Counts a use that copied the buffer from `from` to `to` (from == to: no copy) and tells `watcher` of a copy.
  void note_use(BufferUseWatcher& watcher, MemoryNode from, MemoryNode to) noexcept;
  void write_back(int device);  // leaves the host copy pinned
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
  SpillSlot* host_slot_ = nullptr;  // the host copy's place in the budget once allocated (null without a budget)
  std::unique_ptr<Replica[]> devices_;  // one per GPU of the store
  std::atomic<std::uint64_t> valid_nodes_{0};  // mirrors the replicas' states (publish_valid_nodes)
  std::atomic<std::uint32_t> moved_in_a_row_{0};  // uses in a row that copied it (counted for a BufferUseWatcher)
};

}  // namespace hetsched::detail
