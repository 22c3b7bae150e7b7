#include "task/task_registry.hpp"

#include <bit>

namespace hetsched::detail {

TaskRegistry::Shard& TaskRegistry::shard_of(const Task& task) noexcept {
  // Task records are pooled and at least 64 bytes apart: skip the bits that are the same for neighbours' records.
  const auto address = reinterpret_cast<std::uintptr_t>(&task);
  return shards_[(address >> 7 ^ address >> 13) % shard_count];
}

void TaskRegistry::add(Task& task) noexcept {
  Shard& shard = shard_of(task);
  TaskState& state = state_of(task);
  std::lock_guard lock(shard.mutex);
  state.listed_prev = nullptr;
  state.listed_next = shard.head;
  if (shard.head) state_of(*shard.head).listed_prev = &task;
  shard.head = &task;
  ++shard.totals.added;
}

void TaskRegistry::remove(Task& task, bool failed) noexcept {
  Shard& shard = shard_of(task);
  TaskState& state = state_of(task);
  std::lock_guard lock(shard.mutex);
  if (state.listed_prev) {
    state_of(*state.listed_prev).listed_next = state.listed_next;
  } else {
    shard.head = state.listed_next;
  }
  if (state.listed_next) state_of(*state.listed_next).listed_prev = state.listed_prev;
  state.listed_prev = state.listed_next = nullptr;
  ++shard.totals.finished;
  if (failed) ++shard.totals.failed;
}

TaskTotals TaskRegistry::totals() const noexcept {
  TaskTotals sum;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    sum.added += shard.totals.added;
    sum.finished += shard.totals.finished;
    sum.failed += shard.totals.failed;
  }
  return sum;
}

}  // namespace hetsched::detail
