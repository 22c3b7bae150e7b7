// Where each buffer's valid replicas are, following the store's rules: a buffer starts valid on the host; a read
// copies it to the reader's node (shared); a write leaves the writer's node the owner and every other replica invalid.
// GPU memory is bounded: a replica that does not fit evicts the least recently used replicas no running task holds,
// copying a sole valid replica home first (as the store's device cache does).
#pragma once

#include <cstdint>
#include <vector>

#include "link_model.hpp"
#include "schedule.hpp"

namespace hetsched::bench {

/// Replicas, GPU memory and LRU order for a graph's buffers on a machine.
class ReplicaModel {
 public:
  /// `buffer_bytes` buffers (valid on the host) on `gpus` GPUs of `gpu_memory` bytes each; every copy is kept in
  /// Schedule::transfers when `record_transfers` (only counted otherwise).
  ReplicaModel(const std::vector<std::uint64_t>& buffer_bytes, int gpus, std::uint64_t gpu_memory,
               bool record_transfers);

  /// InputView::valid_nodes of buffer `b`: host_node_bit | gpu_node_bit(d) per valid replica.
  std::uint64_t valid_nodes(std::uint32_t b) const noexcept { return valid_[b]; }
  /// Makes buffer `b` readable on `node` (-1 host) for `task` at `now_s`: copies it from its cheapest valid replica if
  /// needed and holds it there until release(). Returns when it is there.
  double fetch(std::uint32_t b, int node, std::uint32_t task, double now_s, LinkModel& links,
               const detail::Bandwidths& speeds, Schedule& schedule);
  /// Makes room for buffer `b` on `node` without copying (a write-only use) and holds it until release().
  void reserve(std::uint32_t b, int node, std::uint32_t task, double now_s, LinkModel& links, Schedule& schedule);
  /// `node` wrote buffer `b`, finished at `at_s`: it is the sole valid replica; other GPUs drop theirs.
  void written(std::uint32_t b, int node, double at_s);
  /// The task that held buffer `b` on `node` is done with it.
  void release(std::uint32_t b, int node) noexcept;

 private:
  static constexpr std::uint32_t none = UINT32_MAX;
  std::size_t slot(int gpu, std::uint32_t b) const noexcept { return static_cast<std::size_t>(gpu) * count_ + b; }
  void make_room(int gpu, std::uint64_t bytes, std::uint32_t task, double now_s, LinkModel& links, Schedule& schedule);
  void allocate(int gpu, std::uint32_t b);
  void drop(int gpu, std::uint32_t b) noexcept;
  void touch(int gpu, std::uint32_t b) noexcept;
  void unlink(int gpu, std::uint32_t b) noexcept;
  void link_front(int gpu, std::uint32_t b) noexcept;

  bool record_;
  const std::vector<std::uint64_t>& bytes_;
  std::size_t count_;
  int gpus_;
  std::uint64_t capacity_;
  std::vector<std::uint64_t> valid_;      // per buffer: valid nodes
  std::vector<std::uint64_t> allocated_;  // per buffer: GPUs holding memory for it (valid or being written)
  std::vector<double> ready_at_;          // per (node + 1, buffer): when the replica there became valid
  std::vector<std::uint16_t> holds_;      // per (GPU, buffer): tasks holding it
  std::vector<std::uint32_t> newer_;      // per (GPU, buffer): LRU list neighbours
  std::vector<std::uint32_t> older_;
  std::vector<std::uint32_t> newest_;     // per GPU
  std::vector<std::uint32_t> oldest_;
  std::vector<std::uint64_t> used_;       // per GPU
};

}  // namespace hetsched::bench
