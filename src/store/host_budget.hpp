// The host budget (Config::object_store_bytes) and spilling. Every ready object counts against the budget: those of
// a type with a hetsched::Serializer have a SpillSlot in one least-recently-used list; the others only count. When an
// object arrives past the budget, one thread at a time spills a batch of the least recently used slots nothing pins
// (at least the excess, and at least Config::spill_batch_bytes when there is that much) into one new file, then frees
// their values. Reading a spilled object pins it (the pin restores it first: read, checksum verified, value rebuilt),
// and nothing pinned is ever spilled. When the budget cannot be met, the arriving object fails with
// ObjectStoreFullError saying what holds the memory.
//
// A slot's state and pins are guarded by mutex_; a slot being spilled or restored is read or rebuilt outside it, and
// anyone else who pins it or frees it waits (released_) until that is over. Lock order: round_mutex_, then mutex_.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "hetsched/detail/object_entry.hpp"
#include "store/spill_files.hpp"

namespace hetsched {
struct StoreStats;
}

namespace hetsched::detail {

/// One spillable object's place in the budget. Every field is guarded by HostBudget::mutex_.
struct SpillSlot {
  enum class State : std::uint8_t { resident, spilling, spilled, restoring, lost };

  SpillClient* client = nullptr;  ///< The value's owner.
  std::size_t bytes = 0;          ///< Host memory the value takes when resident.
  std::uint32_t pins = 0;         ///< Readers now (tasks using it, gets copying it): never spilled while any.
  bool kept = false;              ///< Pinned for good: get returned a reference into it.
  State state = State::resident;
  SpillSlot* older = nullptr;  ///< Less recently used neighbour in the list.
  SpillSlot* newer = nullptr;  ///< More recently used neighbour.
  SpillRecord record;          ///< Where its bytes are while spilled.
  std::string lost_reason;     ///< Why it could not be restored, once lost.
};

class HostBudget {
 public:
  /// A budget of `limit` bytes spilling into `spill_dir` in batches of at least `batch_bytes`; removes leftovers of
  /// crashed runs from spill_dir at once.
  HostBudget(std::uint64_t limit, std::string spill_dir, std::size_t batch_bytes);
  HostBudget(const HostBudget&) = delete;
  HostBudget& operator=(const HostBudget&) = delete;
  ~HostBudget();

  /// Counts a new spillable value of `bytes` (the most recently used), spilling to make room; returns its slot.
  /// ObjectStoreFullError (naming `object_id`) when the budget cannot be met, and nothing is counted then.
  SpillSlot* admit(SpillClient& client, std::size_t bytes, std::uint64_t object_id);
  /// As admit, for a value its caller is about to fill: the slot starts with one pin, so it is never spilled before
  /// the caller unpins it (a Buffer's host copy).
  SpillSlot* admit_pinned(SpillClient& client, std::size_t bytes, std::uint64_t object_id);
  /// As admit_pinned, but never refused: counted even past the budget when nothing can be spilled (a GPU replica
  /// written back to the host on eviction, which cannot be undone).
  SpillSlot* admit_over_budget(SpillClient& client, std::size_t bytes) noexcept;
  /// Counts a new unspillable value of `bytes`, spilling others to make room; ObjectStoreFullError as admit.
  void admit_unspillable(std::size_t bytes, std::uint64_t object_id);
  /// Forgets a slot whose value is being destroyed (waits while it is being spilled or restored) and frees it.
  void leave(SpillSlot* slot) noexcept;
  /// Stops counting an unspillable value.
  void leave_unspillable(std::size_t bytes) noexcept;

  /// Pins the slot, restoring its value first when spilled. ObjectLostError (naming `object_id`) when it cannot be
  /// read back; the slot is lost then, and every later pin throws the same.
  void pin(SpillSlot& slot, std::uint64_t object_id);
  /// Pins the slot for a caller that overwrites every byte of the value: a spilled or lost value is not read back but
  /// forgotten (its client's memory stays freed; the caller allocates it again), and counted as resident. Never
  /// throws.
  void pin_to_overwrite(SpillSlot& slot) noexcept;
  /// Whether the slot's value is on disk now (spilled and not yet restored).
  bool spilled(const SpillSlot& slot) const;
  /// Drops a pin.
  void unpin(SpillSlot& slot) noexcept;
  /// Pins the slot for as long as it lives (restoring it first, as pin).
  void keep_resident(SpillSlot& slot, std::uint64_t object_id);

  /// At Runtime shutdown: spills no more, restores every spilled value (refs may outlive the Runtime), and removes
  /// the spill files. Lost values stay lost.
  void shutdown() noexcept;
  /// Fills the host budget fields of `stats`.
  void fill_stats(StoreStats& stats) const;

 private:
  std::size_t used() const noexcept;
  bool fits_after_spilling() noexcept;
  bool make_room() noexcept;  // one batch; false when nothing could be spilled
  bool spill(std::vector<SpillSlot*>& victims) noexcept;  // false when none was written
  void restore(SpillSlot& slot, std::unique_lock<std::mutex>& lock, std::uint64_t object_id);
  SpillSlot* link_pinned(SpillClient& client, std::size_t bytes);
  void link_newest(SpillSlot& slot) noexcept;
  void unlink(SpillSlot& slot) noexcept;
  void wait_until_settled(SpillSlot& slot, std::unique_lock<std::mutex>& lock);
  [[noreturn]] void throw_full(std::size_t bytes, std::uint64_t object_id);

  const std::uint64_t limit_;
  const std::size_t batch_bytes_;
  SpillDirectory directory_;
  std::mutex round_mutex_;  // one spill batch at a time
  mutable std::mutex mutex_;
  std::condition_variable released_;  // a slot finished spilling or restoring
  SpillSlot* oldest_ = nullptr;
  SpillSlot* newest_ = nullptr;
  std::atomic<std::size_t> resident_{0};     // spillable bytes in memory (changed under mutex_)
  std::atomic<std::size_t> unspillable_{0};  // bytes of values that cannot be spilled
  std::size_t on_disk_ = 0;                  // bytes (in memory terms) of spilled values
  bool closed_ = false;                      // after shutdown: no more spilling
  std::string last_spill_failure_;           // why the last batch could not be written, or empty
  std::size_t spills_ = 0;
  std::size_t restores_ = 0;
  std::size_t bytes_spilled_ = 0;
  std::size_t bytes_restored_ = 0;
  std::size_t lost_ = 0;
};

}  // namespace hetsched::detail
