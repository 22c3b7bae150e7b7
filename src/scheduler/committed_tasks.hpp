// Tasks a policy committed to a device (Decision::commit) that have not started: one queue per GPU and one for the
// CPUs as a pool, each by priority (higher first) then arrival, as StarPU's dmdas orders a worker's queue. The
// scheduler starts a queue's head as soon as its device can take it, before any task still in a class queue, and
// counts each entry's predicted run in that device's availability for the tasks decided after it. Not thread-safe:
// the scheduler holds its lock.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "hetsched/detail/task.hpp"

namespace hetsched::detail {

/// One committed task and what it will run.
struct CommittedTask {
  TaskPtr task;          ///< The task (stage queued).
  int variant = 0;       ///< The body it runs (0 for a task with one body).
  double busy_s = 0;     ///< What it adds to its device's predicted availability (0: unknown).
  double copies_s = 0;   ///< Its inputs' predicted copies to its GPU, when it was committed: added once it starts.
};

/// The committed queues of a machine: node -1 is the CPUs, d >= 0 GPU d.
class CommittedTasks {
 public:
  /// Queues for `gpus` GPUs and the CPUs.
  explicit CommittedTasks(std::size_t gpus) : queues_(gpus + 1) {}

  /// Tasks committed anywhere.
  std::size_t size() const noexcept { return total_; }
  /// Tasks committed to `node`.
  std::uint32_t size(int node) const noexcept { return static_cast<std::uint32_t>(at(node).size()); }
  /// Nodes, from -1 (the CPUs) to gpus - 1.
  int last_node() const noexcept { return static_cast<int>(queues_.size()) - 2; }
  /// Commits `entry` to `node`, behind every task of its priority or higher.
  void push(int node, CommittedTask entry);
  /// `node`'s first task; only when size(node) > 0.
  CommittedTask& head(int node) noexcept { return at(node).front(); }
  /// Removes and returns `node`'s first task; only when size(node) > 0.
  CommittedTask pop(int node);
  /// Removes `task` wherever it is committed and returns it; null when it is not.
  TaskPtr remove(const Task& task);
  /// Seconds of committed work on `node` that would run before a task of `priority` (the sum of their busy_s).
  double work_ahead(int node, int priority) const noexcept;
  /// Removes every committed task into `out`.
  void take_all(std::vector<TaskPtr>& out);

 private:
  std::deque<CommittedTask>& at(int node) noexcept { return queues_[static_cast<std::size_t>(node + 1)]; }
  const std::deque<CommittedTask>& at(int node) const noexcept {
    return queues_[static_cast<std::size_t>(node + 1)];
  }
  std::vector<std::deque<CommittedTask>> queues_;
  std::size_t total_ = 0;
};

}  // namespace hetsched::detail
