// The host half of a buffer: its host copy's place in the host budget (src/store/host_budget.hpp). Pinning before
// every touch of host memory, and the SpillClient calls by which the budget writes the copy to disk, frees it, and
// reads it back. The protocol is in buffer_data.hpp's file comment.
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "resources/placement_snapshot.hpp"
#include "store/buffer_data.hpp"
#include "store/host_budget.hpp"

namespace hetsched::detail {

std::byte* BufferData::create_on_host(bool pin_it) {
  std::lock_guard lock(mutex_);
  std::byte* memory = pin_host(HostUse::overwrite);
  set_owner(host_node);
  if (!pin_it) unpin_host();
  return memory;
}

void BufferData::keep_on_host() {
  if (host_slot_) store_->host_budget()->keep_resident(*host_slot_, 0);
}

bool BufferData::host_spilled() {
  std::lock_guard lock(mutex_);
  return host_slot_ && store_->host_budget()->spilled(*host_slot_);
}

std::byte* BufferData::pin_host(HostUse use) {
  HostBudget* budget = store_->host_budget();
  if (!host_slot_ && !host_.memory) {  // the first host copy
    std::byte* memory = store_->memory().allocate_host(bytes_);
    if (budget) {
      try {
        host_slot_ = use == HostUse::write_back ? budget->admit_over_budget(*this, bytes_)
                                                : budget->admit_pinned(*this, bytes_, 0);
      } catch (...) {
        store_->memory().free_host(memory, bytes_);
        throw;
      }
    }
    host_.memory = memory;
    return memory;
  }
  if (!host_slot_) return host_.memory;  // no budget: never spilled
  if (use == HostUse::read) {
    budget->pin(*host_slot_, 0);  // restores it when spilled; ObjectLostError when it cannot
  } else {
    budget->pin_to_overwrite(*host_slot_);
  }
  if (!host_.memory) {  // spilled and forgotten, or spilled while not valid (nothing was written)
    try {
      host_.memory = store_->memory().allocate_host(bytes_);
    } catch (...) {
      budget->unpin(*host_slot_);
      throw;
    }
  }
  return host_.memory;
}

void BufferData::unpin_host() noexcept {
  if (host_slot_) store_->host_budget()->unpin(*host_slot_);
}

std::size_t BufferData::spilled_size() const {
  // A stale host copy is a cache slot only: spilling it writes nothing (read without mutex_, see the file comment).
  return (valid_nodes_.load(std::memory_order_relaxed) & host_node_bit) != 0 ? bytes_ : 0;
}

void BufferData::write_spilled(std::span<std::byte> out) const {
  if (!out.empty()) std::memcpy(out.data(), host_.memory, out.size());
}

std::span<const std::byte> BufferData::spilled_view() const {
  const std::size_t size = spilled_size();  // read once: the span and the size must agree
  return size == 0 ? std::span<const std::byte>() : std::span<const std::byte>(host_.memory, size);
}

void BufferData::drop_spilled() noexcept {
  store_->memory().free_host(std::exchange(host_.memory, nullptr), bytes_);
}

void BufferData::restore_spilled(std::span<const std::byte> in) {
  if (in.empty()) return;  // it was not valid: the next pinner allocates it
  if (in.size() != bytes_) {
    throw std::runtime_error("a buffer of " + std::to_string(bytes_) + " bytes read back " +
                             std::to_string(in.size()) + " bytes");
  }
  std::byte* memory = store_->memory().allocate_host(bytes_);
  std::memcpy(memory, in.data(), bytes_);
  host_.memory = memory;
}

}  // namespace hetsched::detail
