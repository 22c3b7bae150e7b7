// Tasks committed to a device (Decision::commit) and not started yet, as the runtime's scheduler keeps them: one
// queue per GPU and one for the CPUs as a pool, each ordered by priority (higher first) then arrival, drained first
// when its device frees. Each entry keeps its predicted run time, which the snapshots count in that device's
// availability for the tasks decided after it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace hetsched::bench {

/// One committed task.
struct Committed {
  std::uint32_t task = 0;    ///< Task index.
  int priority = 0;          ///< Its priority.
  std::uint64_t sequence = 0;  ///< Its arrival number (ties).
  double run_s = 0;          ///< Its predicted run time on that device.
};

/// The committed queues of a machine: node -1 is the CPUs, d >= 0 GPU d.
class CommittedQueues {
 public:
  /// Queues for `gpus` GPUs and the CPUs.
  explicit CommittedQueues(int gpus) : queues_(static_cast<std::size_t>(gpus) + 1) {}
  /// Commits `entry` to `node`, behind every task of its priority or higher.
  void push(int node, const Committed& entry) {
    std::vector<Committed>& queue = at(node);
    auto after =
        std::find_if(queue.begin(), queue.end(), [&](const Committed& c) { return entry.priority > c.priority; });
    queue.insert(after, entry);
  }
  /// Tasks committed to `node`.
  std::uint32_t size(int node) const noexcept { return static_cast<std::uint32_t>(at(node).size()); }
  /// The queue of `node`, first to run first.
  const std::vector<Committed>& queue(int node) const noexcept { return at(node); }
  /// Removes and returns `node`'s first task; only when size(node) > 0.
  Committed pop(int node) {
    std::vector<Committed>& queue = at(node);
    Committed first = queue.front();
    queue.erase(queue.begin());
    return first;
  }
  /// Predicted seconds of the tasks committed to GPU `node` that would run before a task of `priority`.
  double work_ahead(int node, int priority) const noexcept {
    double total = 0;
    for (const Committed& c : at(node)) {
      if (c.priority >= priority) total += c.run_s;
    }
    return total;
  }
  /// Tasks committed anywhere.
  std::size_t total() const noexcept {
    std::size_t n = 0;
    for (const auto& queue : queues_) n += queue.size();
    return n;
  }

 private:
  std::vector<Committed>& at(int node) noexcept { return queues_[static_cast<std::size_t>(node + 1)]; }
  const std::vector<Committed>& at(int node) const noexcept { return queues_[static_cast<std::size_t>(node + 1)]; }
  std::vector<std::vector<Committed>> queues_;
};

}  // namespace hetsched::bench
