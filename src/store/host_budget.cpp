#include "store/host_budget.hpp"

#include <memory>
#include <utility>

#include "hetsched/error.hpp"
#include "hetsched/store_stats.hpp"

namespace hetsched::detail {
namespace {

/// Objects are named by id; id 0 is what the budget holds for a Buffer (its host copy), which has no object id.
std::string object_name(std::uint64_t object_id) {
  return object_id == 0 ? std::string("a Buffer's host copy") : "object " + std::to_string(object_id);
}

/// Uninitialised bytes to serialize into (a vector would zero them first).
struct Staging {
  std::unique_ptr<std::byte[]> memory;
  std::size_t size = 0;
  std::span<std::byte> take(std::size_t bytes) {
    if (bytes > size) {
      memory.reset(new std::byte[bytes]);
      size = bytes;
    }
    return {memory.get(), bytes};
  }
};

}  // namespace

HostBudget::HostBudget(std::uint64_t limit, std::string spill_dir, std::size_t batch_bytes)
    : limit_(limit), batch_bytes_(batch_bytes), directory_(std::move(spill_dir)) {
  directory_.remove_leftovers();
}

HostBudget::~HostBudget() {
  // Only reached once every object is gone: each slot left the list in its object's destructor.
  directory_.close();
}

std::size_t HostBudget::used() const noexcept {
  return resident_.load(std::memory_order_relaxed) + unspillable_.load(std::memory_order_relaxed);
}

SpillSlot* HostBudget::admit(SpillClient& client, std::size_t bytes, std::uint64_t object_id) {
  auto slot = std::make_unique<SpillSlot>();
  slot->client = &client;
  slot->bytes = bytes;
  {
    std::lock_guard lock(mutex_);
    link_newest(*slot);
    resident_.fetch_add(bytes, std::memory_order_relaxed);
  }
  if (fits_after_spilling()) return slot.release();
  std::unique_lock lock(mutex_);
  wait_until_settled(*slot, lock);
  if (slot->state == SpillSlot::State::spilled) return slot.release();  // spilled itself: it fits on disk
  unlink(*slot);
  resident_.fetch_sub(bytes, std::memory_order_relaxed);
  lock.unlock();
  throw_full(bytes, object_id);
}

SpillSlot* HostBudget::link_pinned(SpillClient& client, std::size_t bytes) {
  auto slot = std::make_unique<SpillSlot>();
  slot->client = &client;
  slot->bytes = bytes;
  slot->pins = 1;
  std::lock_guard lock(mutex_);
  link_newest(*slot);
  resident_.fetch_add(bytes, std::memory_order_relaxed);
  return slot.release();
}

SpillSlot* HostBudget::admit_pinned(SpillClient& client, std::size_t bytes, std::uint64_t object_id) {
  SpillSlot* slot = link_pinned(client, bytes);
  if (fits_after_spilling()) return slot;
  {
    std::lock_guard lock(mutex_);  // pinned: nobody spills it, so it is settled
    unlink(*slot);
    resident_.fetch_sub(bytes, std::memory_order_relaxed);
  }
  delete slot;
  throw_full(bytes, object_id);
}

SpillSlot* HostBudget::admit_over_budget(SpillClient& client, std::size_t bytes) noexcept {
  SpillSlot* slot = link_pinned(client, bytes);
  (void)fits_after_spilling();  // best effort: the value exists already
  return slot;
}

void HostBudget::admit_unspillable(std::size_t bytes, std::uint64_t object_id) {
  unspillable_.fetch_add(bytes, std::memory_order_relaxed);
  if (fits_after_spilling()) return;
  unspillable_.fetch_sub(bytes, std::memory_order_relaxed);
  throw_full(bytes, object_id);
}

bool HostBudget::fits_after_spilling() noexcept {
  // Each batch spills at least one object, so this ends; it fails only when a batch found nothing to spill or could
  // not be written (others' admissions may keep the total over the budget for a moment: they make their own room).
  while (used() > limit_) {
    if (!make_room()) return used() <= limit_;
  }
  return true;
}

void HostBudget::leave(SpillSlot* slot) noexcept {
  SpillRecord record;
  {
    std::unique_lock lock(mutex_);
    wait_until_settled(*slot, lock);
    if (slot->state == SpillSlot::State::resident) resident_.fetch_sub(slot->bytes, std::memory_order_relaxed);
    if (slot->state == SpillSlot::State::spilled) on_disk_ -= slot->bytes;
    unlink(*slot);
    record = std::move(slot->record);
  }
  delete slot;  // the record's file is removed with its last object
}

void HostBudget::leave_unspillable(std::size_t bytes) noexcept {
  unspillable_.fetch_sub(bytes, std::memory_order_relaxed);
}

void HostBudget::pin(SpillSlot& slot, std::uint64_t object_id) {
  std::unique_lock lock(mutex_);
  wait_until_settled(slot, lock);
  if (slot.state == SpillSlot::State::lost) throw ObjectLostError(object_name(object_id) + " " + slot.lost_reason);
  ++slot.pins;
  unlink(slot);
  link_newest(slot);
  if (slot.state == SpillSlot::State::resident) return;
  restore(slot, lock, object_id);
  lock.unlock();
  (void)fits_after_spilling();  // what was restored may push others out (best effort: it is needed now)
}

void HostBudget::pin_to_overwrite(SpillSlot& slot) noexcept {
  SpillRecord forgotten;  // destroyed outside the lock: the file goes with its last object
  {
    std::unique_lock lock(mutex_);
    wait_until_settled(slot, lock);
    ++slot.pins;
    unlink(slot);
    link_newest(slot);
    if (slot.state == SpillSlot::State::resident) return;
    if (slot.state == SpillSlot::State::spilled) on_disk_ -= slot.bytes;
    forgotten = std::move(slot.record);
    slot.lost_reason.clear();
    slot.state = SpillSlot::State::resident;
    resident_.fetch_add(slot.bytes, std::memory_order_relaxed);
  }
  (void)fits_after_spilling();  // best effort, as pin
}

bool HostBudget::spilled(const SpillSlot& slot) const {
  std::lock_guard lock(mutex_);
  return slot.state == SpillSlot::State::spilled || slot.state == SpillSlot::State::restoring;
}

void HostBudget::unpin(SpillSlot& slot) noexcept {
  std::lock_guard lock(mutex_);
  --slot.pins;
}

void HostBudget::keep_resident(SpillSlot& slot, std::uint64_t object_id) {
  pin(slot, object_id);
  std::lock_guard lock(mutex_);
  slot.kept = true;
  --slot.pins;
}

void HostBudget::restore(SpillSlot& slot, std::unique_lock<std::mutex>& lock, std::uint64_t object_id) {
  slot.state = SpillSlot::State::restoring;
  SpillRecord record = std::move(slot.record);
  lock.unlock();
  std::string failure;
  try {
    Staging staging;
    std::span<std::byte> bytes = staging.take(record.length);
    record.file->read(record.offset, bytes);
    if (spill_checksum(bytes) != record.checksum) {
      failure = "was altered on disk: the checksum of its " + std::to_string(record.length) + " bytes in " +
                record.file->path() + " does not match what was written";
    } else {
      slot.client->restore_spilled(bytes);
    }
  } catch (const SpillIoError& error) {
    failure = std::string("could not be read back: ") + error.what();
  } catch (const std::exception& error) {
    failure = std::string("could not be rebuilt from its spilled bytes: ") + error.what();
  } catch (...) {
    failure = "could not be rebuilt from its spilled bytes: its Serializer::load threw";
  }
  const std::uint64_t length = record.length;
  record = {};  // the file goes with its last object
  lock.lock();
  on_disk_ -= slot.bytes;
  if (failure.empty()) {
    slot.state = SpillSlot::State::resident;
    resident_.fetch_add(slot.bytes, std::memory_order_relaxed);
    ++restores_;
    bytes_restored_ += length;
  } else {
    slot.state = SpillSlot::State::lost;
    slot.lost_reason = failure;
    --slot.pins;
    ++lost_;
  }
  released_.notify_all();
  if (!failure.empty()) throw ObjectLostError(object_name(object_id) + " " + failure);
}

bool HostBudget::make_room() noexcept {
  std::lock_guard round(round_mutex_);
  std::vector<SpillSlot*> victims;
  {
    std::lock_guard lock(mutex_);
    if (used() <= limit_) return true;
    if (closed_) return false;
    const std::size_t excess = used() - limit_;
    std::size_t chosen = 0;
    for (SpillSlot* slot = oldest_; slot && (chosen < excess || chosen < batch_bytes_); slot = slot->newer) {
      if (slot->state != SpillSlot::State::resident || slot->pins != 0 || slot->kept) continue;
      slot->state = SpillSlot::State::spilling;
      victims.push_back(slot);
      chosen += slot->bytes;
    }
  }
  return !victims.empty() && spill(victims);
}

bool HostBudget::spill(std::vector<SpillSlot*>& victims) noexcept {
  // Victims are `spilling`: nobody reads, rebuilds or frees their values until they are settled again.
  std::string failure;
  std::vector<SpillRecord> records;
  try {
    records.reserve(victims.size());
    std::shared_ptr<SpillFile> file = directory_.create_file();
    Staging staging;
    for (SpillSlot* victim : victims) {
      std::span<const std::byte> bytes = victim->client->spilled_view();  // contiguous already: no copy
      if (bytes.data() == nullptr) {
        std::span<std::byte> staged = staging.take(victim->client->spilled_size());
        victim->client->write_spilled(staged);
        bytes = staged;
      }
      std::uint64_t checksum = spill_checksum(bytes);
      std::uint64_t offset = file->append(bytes);
      records.push_back({file, offset, bytes.size(), checksum});
    }
  } catch (const std::exception& error) {
    failure = error.what();
  } catch (...) {
    failure = "a type's Serializer::save threw";
  }
  // Freed outside the lock (a value's destructor, a pinned host allocation's release): still `spilling`, so nobody
  // else touches them.
  for (std::size_t i = 0; i < records.size(); ++i) victims[i]->client->drop_spilled();
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < victims.size(); ++i) {
    SpillSlot& victim = *victims[i];
    if (i >= records.size()) {
      victim.state = SpillSlot::State::resident;  // not written: stays in memory
      continue;
    }
    bytes_spilled_ += records[i].length;
    victim.record = std::move(records[i]);
    victim.state = SpillSlot::State::spilled;
    resident_.fetch_sub(victim.bytes, std::memory_order_relaxed);
    on_disk_ += victim.bytes;
    ++spills_;
  }
  last_spill_failure_ = std::move(failure);
  released_.notify_all();
  return !records.empty();
}

void HostBudget::shutdown() noexcept {
  std::unique_lock lock(mutex_);
  closed_ = true;
  for (SpillSlot* slot = oldest_; slot; slot = slot->newer) {
    wait_until_settled(*slot, lock);
    if (slot->state != SpillSlot::State::spilled) continue;
    ++slot->pins;
    try {
      restore(*slot, lock, 0);
      --slot->pins;
    } catch (...) {
      // Lost: restore dropped the pin and returned with the lock held; every later read reports it.
    }
  }
}

void HostBudget::fill_stats(StoreStats& stats) const {
  std::lock_guard lock(mutex_);
  stats.host_budget = limit_;
  stats.host_bytes = used();
  stats.spilled_bytes = on_disk_;
  stats.spills = spills_;
  stats.restores = restores_;
  stats.bytes_spilled = bytes_spilled_;
  stats.bytes_restored = bytes_restored_;
  stats.lost_objects = lost_;
}

void HostBudget::link_newest(SpillSlot& slot) noexcept {
  slot.older = newest_;
  slot.newer = nullptr;
  (newest_ ? newest_->newer : oldest_) = &slot;
  newest_ = &slot;
}

void HostBudget::unlink(SpillSlot& slot) noexcept {
  (slot.older ? slot.older->newer : oldest_) = slot.newer;
  (slot.newer ? slot.newer->older : newest_) = slot.older;
  slot.older = slot.newer = nullptr;
}

void HostBudget::wait_until_settled(SpillSlot& slot, std::unique_lock<std::mutex>& lock) {
  released_.wait(lock, [&] {
    return slot.state != SpillSlot::State::spilling && slot.state != SpillSlot::State::restoring;
  });
}

void HostBudget::throw_full(std::size_t bytes, std::uint64_t object_id) {
  std::size_t pinned = 0;
  std::size_t kept = 0;
  std::size_t spillable = 0;
  std::string failure;
  {
    std::lock_guard lock(mutex_);
    for (SpillSlot* slot = oldest_; slot; slot = slot->newer) {
      if (slot->state != SpillSlot::State::resident) continue;
      (slot->kept ? kept : slot->pins != 0 ? pinned : spillable) += slot->bytes;
    }
    failure = last_spill_failure_;
  }
  std::string message = object_name(object_id) + " (" + std::to_string(bytes) + " bytes) does not fit in the " +
                        std::to_string(limit_) + "-byte host budget (Config::object_store_bytes, "
                        "HETSCHED_OBJECT_STORE_BYTES), which holds " + std::to_string(used()) + " bytes: " +
                        std::to_string(pinned) + " pinned by running tasks and gets in progress, " +
                        std::to_string(kept) + " kept in memory because get returned a reference into them, " +
                        std::to_string(unspillable_.load(std::memory_order_relaxed)) +
                        " of types without a hetsched::Serializer (never spilled)";
  if (!failure.empty()) {
    message += ", and " + std::to_string(spillable) + " that could not be spilled: " + failure;
  }
  message += "; raise the budget, drop refs you no longer need (or read them with get(std::move(ref))), or "
             "specialize hetsched::Serializer for the large types";
  throw ObjectStoreFullError(message);
}

}  // namespace hetsched::detail
