// The live tasks of one runtime, for Runtime::list_tasks and the task counters. A task is added when it is
// submitted and removed when it is published; nothing else touches the registry, so a program that never lists pays
// one uncontended lock at each end of a task's life. The tasks are spread over shards by address, so the submitting
// thread and the threads publishing rarely meet on one lock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "hetsched/detail/task.hpp"

namespace hetsched::detail {

/// Totals since the runtime started.
struct TaskTotals {
  std::uint64_t added = 0;     ///< Tasks submitted.
  std::uint64_t finished = 0;  ///< Tasks published.
  std::uint64_t failed = 0;    ///< Of those, published with a failure.
};

class TaskRegistry {
 public:
  TaskRegistry() = default;
  TaskRegistry(const TaskRegistry&) = delete;
  TaskRegistry& operator=(const TaskRegistry&) = delete;

  /// Lists `task` (once, when it is submitted).
  void add(Task& task) noexcept;
  /// Unlists `task` (once, when it is published), counting it finished and, with `failed`, failed.
  void remove(Task& task, bool failed) noexcept;
  /// The totals so far.
  TaskTotals totals() const noexcept;
  /// Calls `visit(task)` for every listed task, one shard at a time under that shard's lock: `visit` must be short
  /// and must not call back into the runtime (it may retain the task to look at it after).
  template <class Visit>
  void for_each(Visit&& visit) const;

 private:
  static constexpr std::size_t shard_count = 64;
  struct alignas(64) Shard {
    mutable std::mutex mutex;
    Task* head = nullptr;
    TaskTotals totals;
  };
  Shard& shard_of(const Task& task) noexcept;

  std::array<Shard, shard_count> shards_;
};

}  // namespace hetsched::detail

#include "task/task_state.hpp"

namespace hetsched::detail {

template <class Visit>
void TaskRegistry::for_each(Visit&& visit) const {
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (Task* task = shard.head; task; task = state_of(*task).listed_next) visit(*task);
  }
}

}  // namespace hetsched::detail
