#include "store/buffer_data.hpp"

#include "resources/placement_snapshot.hpp"

#include <stdexcept>
#include <utility>

#include "store/host_budget.hpp"

namespace hetsched::detail {

BufferData::BufferData(BufferStorePtr store, std::size_t bytes)
    : store_(std::move(store)),
      bytes_(bytes),
      devices_(std::make_unique<Replica[]>(static_cast<std::size_t>(store_->devices()))) {}

BufferData::~BufferData() {
  if (host_slot_) store_->host_budget()->leave(host_slot_);  // waits for a spill of it in progress
  for (int device = 0; device < store_->devices(); ++device) {
    if (replica(device).memory) free_replica(device);
  }
  if (host_.memory) free_replica(host_node);
}

bool BufferData::try_retain() noexcept {
  int refs = refs_.load(std::memory_order_relaxed);
  while (refs != 0) {
    if (refs_.compare_exchange_weak(refs, refs + 1, std::memory_order_acquire, std::memory_order_relaxed)) return true;
  }
  return false;
}

void BufferData::adopt_initial(MemoryNode node, std::byte* memory, bool pin_it) {
  std::lock_guard lock(mutex_);
  install(node, memory);
  set_owner(node);
  if (pin_it) pin(node);
  store_->cache(node).settled(bytes_);
}

BufferData::Acquired BufferData::acquire(MemoryNode node, Access mode, std::size_t own_pinned, CUstream_st* stream) {
  if (bytes_ == 0) return {};
  std::unique_lock lock(mutex_);
  if (node == host_node) {
    pin_host(mode != Access::write && host_.valid() ? HostUse::read : HostUse::overwrite);
  } else if (!replica(node).memory) {
    lock.unlock();  // allocating may evict other buffers, which takes their mutexes
    std::uint64_t epoch = 0;
    std::byte* memory = allocate_unlocked(node, own_pinned, epoch);
    if (!memory) return {nullptr, true, epoch, -1};
    lock.lock();
    install(node, memory);
    pin(node);
    store_->cache(node).settled(bytes_);
  } else {
    pin(node);
  }
  Acquired acquired{replica(node).memory, false, 0, -1};
  MemoryNode copied_from = node;  // node: no copy
  try {
    if (mode != Access::write && !replica(node).valid()) {
      copied_from = fill(node, stream, acquired);
    } else if (stream) {
      store_->memory().stream_wait(stream, replica(node).ready);  // another task's copy into it may be in flight
    }
  } catch (...) {
    lock.unlock();
    unpin(node);
    throw;
  }
  if (mode != Access::read) set_owner(node);
  if (node != host_node) store_->cache(node).touch(replica(node));
  if (BufferUseWatcher* watcher = store_->use_watcher()) {
    lock.unlock();  // the watcher may report to a user's sink
    note_use(*watcher, copied_from, node);
  }
  return acquired;
}

void BufferData::note_use(BufferUseWatcher& watcher, MemoryNode from, MemoryNode to) noexcept {
  if (from == to) {
    if (moved_in_a_row_.load(std::memory_order_relaxed) != 0) moved_in_a_row_.store(0, std::memory_order_relaxed);
    return;
  }
  const std::uint32_t in_a_row = moved_in_a_row_.fetch_add(1, std::memory_order_relaxed) + 1;
  watcher.buffer_moved(BufferMove{in_a_row, bytes_, from, to});
}

void BufferData::unpin(MemoryNode node) noexcept {
  if (bytes_ == 0) return;
  if (node == host_node) return unpin_host();
  std::lock_guard lock(mutex_);
  store_->cache(node).unpin(replica(node), bytes_);
}

void BufferData::release_source(int source, MemoryNode node, bool wait_for_copy) noexcept {
  std::lock_guard lock(mutex_);
  if (wait_for_copy) host_wait_quietly(replica(node));
  store_->cache(source).unpin(replica(source), bytes_);
}

void BufferData::release_host_source(MemoryNode node, bool wait_for_copy) noexcept {
  if (wait_for_copy) {
    std::lock_guard lock(mutex_);
    host_wait_quietly(replica(node));
  }
  unpin_host();
}

bool BufferData::evict(int device) {
  std::lock_guard lock(mutex_);
  Replica& victim = replica(device);
  if (!victim.memory || victim.pins.load(std::memory_order_relaxed) != 0) return false;
  const bool written_back = victim.state == ReplicaState::owner;
  if (written_back) write_back(device);
  free_replica(device);
  victim.state = ReplicaState::invalid;
  normalize();
  if (written_back) unpin_host();  // pinned by write_back until the host copy is published valid
  store_->counters().count_eviction(device, bytes_, written_back);
  return true;
}

std::byte* BufferData::allocate_unlocked(MemoryNode node, std::size_t own_pinned, std::uint64_t& epoch) {
  DeviceCache::Attempt attempt = store_->cache(node).allocate(bytes_, own_pinned);
  epoch = attempt.epoch;
  return attempt.memory;
}

void BufferData::install(MemoryNode node, std::byte* memory) {
  Replica& target = replica(node);
  if (target.memory) {  // another user of this GPU allocated first
    store_->cache(node).free(memory, bytes_);
    return;
  }
  target.memory = memory;
  target.state = ReplicaState::invalid;
  store_->cache(node).track(*this, target);
}

MemoryNode BufferData::fill(MemoryNode node, CUstream_st* stream, Acquired& acquired) {
  // Source: the host copy for a GPU when it is valid (the usual host-to-device path), else any valid GPU copy.
  MemoryNode source = host_node;
  if (node == host_node || !host_.valid()) {
    source = node;
    for (int device = 0; device < store_->devices(); ++device) {
      if (device != node && replica(device).valid()) {
        source = device;
        break;
      }
    }
  }
  if (source == node) throw std::logic_error("hetsched: a buffer has no valid replica to copy from");
  Replica& from = replica(source);
  Replica& to = replica(node);
  const std::byte* from_memory = source == host_node ? pin_host(HostUse::read) : from.memory;
  const bool on_stream = stream && node != host_node;
  const auto started = store_->counters().copy_starts();
  try {
    if (on_stream) {
      store_->memory().copy_on_stream(node, to.memory, source, from_memory, bytes_, stream, from.ready, to.ready);
    } else {
      store_->memory().host_wait(from.ready);
      store_->memory().copy(node, to.memory, source, from_memory, bytes_);
    }
  } catch (...) {
    if (source == host_node) unpin_host();
    throw;
  }
  if (on_stream && source != host_node) {
    pin(source);  // read by the copy until the caller's stream gets there
    acquired.pinned_source = source;
  } else if (source == host_node) {
    if (on_stream) {
      acquired.pinned_host = true;  // likewise
    } else {
      unpin_host();
    }
  }
  store_->counters().count_copy(source, node, bytes_, started, !on_stream);
  to.state = ReplicaState::shared;
  normalize();
  return source;
}

void BufferData::pin(MemoryNode node) {
  store_->cache(node).pin(replica(node), bytes_);  // a GPU's: the host copy's pins are the budget's (pin_host)
}

void BufferData::write_back(int device) {
  std::byte* host = pin_host(HostUse::write_back);
  const auto started = store_->counters().copy_starts();
  try {
    store_->memory().host_wait(replica(device).ready);
    store_->memory().copy(host_node, host, device, replica(device).memory, bytes_);
  } catch (...) {
    unpin_host();
    throw;
  }
  store_->counters().count_copy(device, host_node, bytes_, started, true);
  store_->counters().write_backs.fetch_add(1, std::memory_order_relaxed);
  host_.state = ReplicaState::shared;  // normalize() makes it the owner once the device copy is gone
}

void BufferData::free_replica(MemoryNode node) noexcept {
  Replica& target = replica(node);
  if (node == host_node) {
    store_->memory().free_host(target.memory, bytes_);
  } else {
    host_wait_quietly(target);  // passed in practice: the copy's task pinned it until its stream drained
    store_->cache(node).drop(target, bytes_);
    store_->memory().release_event(node, std::exchange(target.ready, nullptr));
  }
  target.memory = nullptr;
}

void BufferData::host_wait_quietly(Replica& target) noexcept {
  try {
    store_->memory().host_wait(target.ready);
  } catch (...) {
    // The device's context is broken (a sticky error): nothing runs on it any more, and its memory goes with it.
  }
}

void BufferData::set_owner(MemoryNode node) noexcept {
  host_.state = ReplicaState::invalid;
  for (int device = 0; device < store_->devices(); ++device) replica(device).state = ReplicaState::invalid;
  replica(node).state = ReplicaState::owner;
  publish_valid_nodes();
}

void BufferData::normalize() noexcept {
  int valid = host_.valid() ? 1 : 0;
  for (int device = 0; device < store_->devices(); ++device) valid += replica(device).valid() ? 1 : 0;
  ReplicaState state = valid == 1 ? ReplicaState::owner : ReplicaState::shared;
  if (host_.valid()) host_.state = state;
  for (int device = 0; device < store_->devices(); ++device) {
    if (replica(device).valid()) replica(device).state = state;
  }
  publish_valid_nodes();
}

void BufferData::publish_valid_nodes() noexcept {
  std::uint64_t nodes = host_.valid() ? host_node_bit : 0;
  for (int device = 0; device < store_->devices(); ++device) {
    if (replica(device).valid()) nodes |= gpu_node_bit(device);
  }
  valid_nodes_.store(nodes, std::memory_order_relaxed);
}

void retain_buffer_data(BufferData* data) noexcept { data->retain(); }

void release_buffer_data(BufferData* data) noexcept { data->release(); }

}  // namespace hetsched::detail
