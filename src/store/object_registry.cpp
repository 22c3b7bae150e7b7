#include "store/object_registry.hpp"

#include <cstdint>

namespace hetsched::detail {

ObjectRegistry::Shard& ObjectRegistry::shard_of(const ObjectEntry& entry) noexcept {
  const auto address = reinterpret_cast<std::uintptr_t>(&entry);
  return shards_[(address >> 7 ^ address >> 13) % shard_count];
}

void ObjectRegistry::add(ObjectEntry& entry) noexcept {
  Shard& shard = shard_of(entry);
  std::lock_guard lock(shard.mutex);
  entry.listed_prev_ = nullptr;
  entry.listed_next_ = shard.head;
  if (shard.head) shard.head->listed_prev_ = &entry;
  shard.head = &entry;
}

void ObjectRegistry::remove(ObjectEntry& entry) noexcept {
  Shard& shard = shard_of(entry);
  std::lock_guard lock(shard.mutex);
  if (entry.listed_prev_) {
    entry.listed_prev_->listed_next_ = entry.listed_next_;
  } else {
    shard.head = entry.listed_next_;
  }
  if (entry.listed_next_) entry.listed_next_->listed_prev_ = entry.listed_prev_;
  entry.listed_prev_ = entry.listed_next_ = nullptr;
}

}  // namespace hetsched::detail
