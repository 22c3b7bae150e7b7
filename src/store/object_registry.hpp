// The live objects of one store, for Runtime::list_objects. An object is listed when it is registered (adopted) and
// unlisted first thing in its destructor; the shards, chosen by address, keep the threads that make and free objects
// off each other's locks. The registry lives with the store's counters (StoreAccounting), which objects keep alive.
#pragma once

#include <array>
#include <cstddef>
#include <mutex>

#include <oneapi/tbb/spin_mutex.h>

#include "hetsched/detail/object_entry.hpp"

namespace hetsched::detail {

class ObjectRegistry {
 public:
  ObjectRegistry() = default;
  ObjectRegistry(const ObjectRegistry&) = delete;
  ObjectRegistry& operator=(const ObjectRegistry&) = delete;

  /// Lists `entry` (once, when it is adopted).
  void add(ObjectEntry& entry) noexcept;
  /// Unlists `entry` (once, as it is destroyed).
  void remove(ObjectEntry& entry) noexcept;
  /// Calls `visit(entry)` for every listed object, one shard at a time under its lock. The entry may be in its
  /// destructor (waiting to unlist itself): `visit` may read its id, state, ref count and, once ready, its size,
  /// nothing else, and must not retain it.
  template <class Visit>
  void for_each(Visit&& visit) const {
    for (const Shard& shard : shards_) {
      std::lock_guard lock(shard.mutex);
      for (const ObjectEntry* entry = shard.head; entry; entry = entry->listed_next_) visit(*entry);
    }
  }

 private:
  static constexpr std::size_t shard_count = 64;
  struct alignas(64) Shard {
    mutable tbb::spin_mutex mutex;  // held for a few stores per object: spinning beats sleeping
    ObjectEntry* head = nullptr;
  };
  Shard& shard_of(const ObjectEntry& entry) noexcept;

  std::array<Shard, shard_count> shards_;
};

}  // namespace hetsched::detail
