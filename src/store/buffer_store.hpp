// The device-aware half of the object store: the memory system, one replica cache per GPU and the transfer
// counters. Buffers may outlive the Runtime, so the store is reference counted by the Runtime and by every buffer;
// at Runtime shutdown every device replica is written back to the host and device memory is released.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hetsched/detail/buffer_handle.hpp"
#include "hetsched/detail/intrusive_ptr.hpp"
#include "store/buffer_use_watcher.hpp"
#include "store/device_cache.hpp"
#include "store/memory_system.hpp"
#include "store/transfer_observer.hpp"

namespace hetsched {
struct StoreStats;
}

namespace hetsched::detail {

class HostBudget;

/// Bytes moved and replicas evicted, for StoreStats.
struct TransferCounters {
  std::atomic<std::size_t> host_to_device{0};
  std::atomic<std::size_t> device_to_host{0};
  std::atomic<std::size_t> device_to_device{0};
  std::atomic<std::int64_t> host_to_device_ns{0};    ///< Time in the copies the copying thread waited for.
  std::atomic<std::int64_t> device_to_host_ns{0};
  std::atomic<std::int64_t> device_to_device_ns{0};
  std::atomic<std::size_t> evictions{0};
  std::atomic<std::size_t> write_backs{0};
  std::atomic<TransferObserver*> observer{nullptr};  ///< Sees each copy and eviction while set (the timeline).

  /// When a copy starts.
  static TransferObserver::TimePoint copy_starts() noexcept { return std::chrono::steady_clock::now(); }
  /// Counts a copy of `bytes` from node `from` to node `to`, begun at `started` (from copy_starts); `waited`: the
  /// copying thread waited for it to complete (not a copy queued on a stream), so its time is counted too.
  void count_copy(MemoryNode from, MemoryNode to, std::size_t bytes, TransferObserver::TimePoint started,
                  bool waited) noexcept;
  /// Counts an eviction of `bytes` from GPU `device`.
  void count_eviction(int device, std::size_t bytes, bool written_back) noexcept;
};

class BufferStore {
 public:
  /// One cache per GPU, GPU d holding at most device_capacity[d] bytes of replicas; buffers' host copies count
  /// against `host_budget` and may be spilled by it (none: they are only allocated).
  BufferStore(std::unique_ptr<MemorySystem> memory, const std::vector<std::size_t>& device_capacity,
              std::shared_ptr<HostBudget> host_budget = nullptr);
  BufferStore(const BufferStore&) = delete;
  BufferStore& operator=(const BufferStore&) = delete;

  /// Whether a new buffer's replica starts pinned: a task's ctx.alloc buffer stays pinned until its work is done, and
  /// a host buffer being filled (put_buffer) until its caller unpins it.
  enum class Pin : bool { no, yes };

  /// A new buffer of count * element_size bytes whose only replica is on `node`, pinned there as `pin` says.
  /// `own_pinned`: bytes the calling task already pins on that node. UsageError when the size overflows;
  /// ObjectStoreFullError (naming `who`) when the device cannot make room, or the host budget.
  BufferAllocation create(MemoryNode node, std::size_t count, std::size_t element_size, std::size_t own_pinned,
                          Pin pin, const std::string& who);
  /// Writes back and frees every device replica; later device allocations fail. Once no task runs.
  void shutdown() noexcept;
  /// Fills the buffer counters of `stats`.
  void fill_stats(StoreStats& stats) const;

  MemorySystem& memory() noexcept { return *memory_; }
  DeviceCache& cache(int device) noexcept { return *caches_[static_cast<std::size_t>(device)]; }
  int devices() const noexcept { return static_cast<int>(caches_.size()); }
  TransferCounters& counters() noexcept { return counters_; }
  /// The host budget buffers' host copies count against, or null.
  HostBudget* host_budget() const noexcept { return host_budget_.get(); }
  /// Tells `watcher` about buffer uses that copy their buffer from now on; set before any buffer exists.
  void watch_uses(BufferUseWatcher* watcher) noexcept { use_watcher_.store(watcher, std::memory_order_release); }
  /// The watcher of watch_uses, or null.
  BufferUseWatcher* use_watcher() const noexcept { return use_watcher_.load(std::memory_order_acquire); }

  /// Adds a holder (the Runtime, each buffer).
  void retain() noexcept { holders_.fetch_add(1, std::memory_order_relaxed); }
  /// Drops a holder; the last one frees the store.
  void release() noexcept {
    if (holders_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 private:
  ~BufferStore() = default;

  std::atomic<int> holders_{0};
  std::unique_ptr<MemorySystem> memory_;
  std::vector<std::unique_ptr<DeviceCache>> caches_;  // declared after memory_: destroyed first
  TransferCounters counters_;
  std::shared_ptr<HostBudget> host_budget_;
  std::atomic<BufferUseWatcher*> use_watcher_{nullptr};
};

using BufferStorePtr = IntrusivePtr<BufferStore>;

}  // namespace hetsched::detail
