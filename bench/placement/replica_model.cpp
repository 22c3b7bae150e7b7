#include "replica_model.hpp"

#include <algorithm>
#include <limits>

#include "resources/placement_snapshot.hpp"

namespace hetsched::bench {
namespace {

std::uint64_t node_bit(int node) noexcept { return node < 0 ? detail::host_node_bit : detail::gpu_node_bit(node); }

}  // namespace

ReplicaModel::ReplicaModel(const std::vector<std::uint64_t>& buffer_bytes, int gpus, std::uint64_t gpu_memory,
                           bool record_transfers)
    : record_(record_transfers),
      bytes_(buffer_bytes),
      count_(buffer_bytes.size()),
      gpus_(gpus),
      capacity_(gpu_memory),
      valid_(count_, detail::host_node_bit),
      allocated_(count_, 0),
      ready_at_(count_ * static_cast<std::size_t>(gpus + 1), 0.0),
      holds_(count_ * static_cast<std::size_t>(gpus), 0),
      newer_(count_ * static_cast<std::size_t>(gpus), none),
      older_(count_ * static_cast<std::size_t>(gpus), none),
      newest_(static_cast<std::size_t>(gpus), none),
      oldest_(static_cast<std::size_t>(gpus), none),
      used_(static_cast<std::size_t>(gpus), 0) {}

double ReplicaModel::fetch(std::uint32_t b, int node, std::uint32_t task, double now_s, LinkModel& links,
                           const detail::Bandwidths& speeds, Schedule& schedule) {
  const std::size_t here = static_cast<std::size_t>(node + 1) * count_ + b;
  double ready = 0;
  if (valid_[b] & node_bit(node)) {
    ready = ready_at_[here];
  } else {
    // The cheapest valid replica, as the model policy prices it (the host first among equals).
    int source = -1;  // every buffer keeps at least one valid replica, so the loop finds its cheapest
    double cheapest = std::numeric_limits<double>::infinity();
    for (int from = -1; from < gpus_; ++from) {
      if (!(valid_[b] & node_bit(from))) continue;
      double seconds = speeds.transfer_seconds(from, node, bytes_[b]);
      if (seconds < cheapest) {
        cheapest = seconds;
        source = from;
      }
    }
    if (node >= 0 && !(allocated_[b] & node_bit(node))) {  // it may hold a stale, invalidated replica's memory
      if (source >= 0) ++holds_[slot(source, b)];  // keep the source while making room
      make_room(node, bytes_[b], task, now_s, links, schedule);
      if (source >= 0) --holds_[slot(source, b)];
      allocate(node, b);
    }
    const double source_ready = ready_at_[static_cast<std::size_t>(source + 1) * count_ + b];
    double started = 0;
    ready = links.copy(source, node, bytes_[b], std::max(now_s, source_ready), schedule, started);
    if (record_) schedule.transfers.push_back({b, task, source, node, started, ready, bytes_[b], false});
    valid_[b] |= node_bit(node);
    ready_at_[here] = ready;
  }
  if (node >= 0) {
    ++holds_[slot(node, b)];
    touch(node, b);
  }
  return std::max(ready, now_s);
}

void ReplicaModel::reserve(std::uint32_t b, int node, std::uint32_t task, double now_s, LinkModel& links,
                           Schedule& schedule) {
  if (node < 0) return;
  if (!(allocated_[b] & node_bit(node))) {
    make_room(node, bytes_[b], task, now_s, links, schedule);
    allocate(node, b);
  }
  ++holds_[slot(node, b)];
  touch(node, b);
}

void ReplicaModel::written(std::uint32_t b, int node, double at_s) {
  for (int gpu = 0; gpu < gpus_; ++gpu) {
    if (gpu != node && (allocated_[b] & node_bit(gpu)) && holds_[slot(gpu, b)] == 0) drop(gpu, b);
  }
  valid_[b] = node_bit(node);
  ready_at_[static_cast<std::size_t>(node + 1) * count_ + b] = at_s;
}

void ReplicaModel::release(std::uint32_t b, int node) noexcept {
  if (node >= 0) --holds_[slot(node, b)];
}

void ReplicaModel::make_room(int gpu, std::uint64_t bytes, std::uint32_t task, double now_s, LinkModel& links,
                             Schedule& schedule) {
  std::uint32_t victim = oldest_[static_cast<std::size_t>(gpu)];
  while (used_[static_cast<std::size_t>(gpu)] + bytes > capacity_ && victim != none) {
    std::uint32_t next = newer_[slot(gpu, victim)];
    if (holds_[slot(gpu, victim)] == 0) {
      if (valid_[victim] == node_bit(gpu)) {  // the sole valid replica: copy it home first
        const double ready = ready_at_[static_cast<std::size_t>(gpu + 1) * count_ + victim];
        double started = 0;
        double home = links.copy(gpu, -1, bytes_[victim], std::max(now_s, ready), schedule, started);
        if (record_) schedule.transfers.push_back({victim, task, gpu, -1, started, home, bytes_[victim], true});
        valid_[victim] |= detail::host_node_bit;
        ready_at_[victim] = home;
      }
      drop(gpu, victim);
      ++schedule.evictions;
    }
    victim = next;
  }
  // When every replica there is held, the device is over-committed rather than deadlocked (replicas are tiles).
}

void ReplicaModel::allocate(int gpu, std::uint32_t b) {
  allocated_[b] |= node_bit(gpu);
  used_[static_cast<std::size_t>(gpu)] += bytes_[b];
  link_front(gpu, b);
}

void ReplicaModel::drop(int gpu, std::uint32_t b) noexcept {
  unlink(gpu, b);
  allocated_[b] &= ~node_bit(gpu);
  valid_[b] &= ~node_bit(gpu);
  used_[static_cast<std::size_t>(gpu)] -= bytes_[b];
}

void ReplicaModel::touch(int gpu, std::uint32_t b) noexcept {
  if (newest_[static_cast<std::size_t>(gpu)] == b) return;
  unlink(gpu, b);
  link_front(gpu, b);
}

void ReplicaModel::unlink(int gpu, std::uint32_t b) noexcept {
  const auto g = static_cast<std::size_t>(gpu);
  std::uint32_t newer = newer_[slot(gpu, b)];
  std::uint32_t older = older_[slot(gpu, b)];
  if (newer != none) older_[slot(gpu, newer)] = older;
  else if (newest_[g] == b) newest_[g] = older;
  if (older != none) newer_[slot(gpu, older)] = newer;
  else if (oldest_[g] == b) oldest_[g] = newer;
  newer_[slot(gpu, b)] = older_[slot(gpu, b)] = none;
}

void ReplicaModel::link_front(int gpu, std::uint32_t b) noexcept {
  const auto g = static_cast<std::size_t>(gpu);
  older_[slot(gpu, b)] = newest_[g];
  newer_[slot(gpu, b)] = none;
  if (newest_[g] != none) newer_[slot(gpu, newest_[g])] = b;
  newest_[g] = b;
  if (oldest_[g] == none) oldest_[g] = b;
}

}  // namespace hetsched::bench
