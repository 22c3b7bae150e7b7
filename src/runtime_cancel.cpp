// Runtime::cancel: a task that has not started fails with TaskCancelledError at once, wherever it waits (for its
// inputs, in its class queue, dispatched to the executor); a running one is marked, so that ctx.cancelled() says so
// and its result is discarded. A recursive cancel walks the tasks each cancelled task submitted.
#include <deque>
#include <utility>
#include <vector>

#include "exec/cpu_executor.hpp"
#include "hetsched/error.hpp"
#include "runtime_core.hpp"

namespace hetsched::detail {

bool RuntimeCore::cancel(ObjectEntry& entry, bool recursive) {
  Task* producer = entry.acquire_producer();
  if (!producer) return false;  // a put() object, or a task already published
  TaskPtr task = TaskPtr::adopt(producer);
  if (state_of(*task).core != this) return false;  // another runtime's ref
  return cancel_task(*task, recursive ? CancelState::recursive : CancelState::requested);
}

bool RuntimeCore::cancel_task(Task& task, CancelState how) {
  if (!cancel_one(task, how)) return false;
  if (how != CancelState::recursive) return true;
  // The tasks each cancelled task submitted, breadth first (no recursion: a deep tree must not exhaust the stack).
  std::vector<TaskPtr> pending;
  {
    std::lock_guard lock(children_mutex_);
    if (auto it = children_.find(&task); it != children_.end()) pending.assign(it->second.begin(), it->second.end());
  }
  while (!pending.empty()) {
    TaskPtr child = std::move(pending.back());
    pending.pop_back();
    if (!cancel_one(*child, CancelState::recursive)) continue;
    std::lock_guard lock(children_mutex_);
    if (auto it = children_.find(child.get()); it != children_.end()) {
      pending.insert(pending.end(), it->second.begin(), it->second.end());
    }
  }
  return true;
}

bool RuntimeCore::cancel_one(Task& task, CancelState how) {
  TaskState& state = state_of(task);
  CancelState seen = state.cancel.load(std::memory_order_acquire);
  do {
    if (seen == CancelState::closed) return false;
    if (seen == CancelState::recursive || seen == how) break;  // asked already (a recursive ask covers a plain one)
  } while (!state.cancel.compare_exchange_weak(seen, how, std::memory_order_acq_rel));
  if (task.role == TaskRole::actor_call) return true;  // its mailbox publishes it, in order, when it comes up
  // Claim it where it waits; whoever else reaches it later (an input completing, the executor) finds it claimed.
  TaskStage stage = state.stage.load(std::memory_order_acquire);
  if (stage == TaskStage::waiting_for_inputs &&
      state.stage.compare_exchange_strong(stage, TaskStage::running, std::memory_order_acq_rel)) {
    publish(task, nullptr, 0, Started::no, FollowUp::return_at_once);
    return true;
  }
  if (stage == TaskStage::queued) {
    if (TaskPtr taken = scheduler_.take_queued(task)) {
      publish(task, nullptr, 0, Started::no, FollowUp::return_at_once);
      return true;
    }
    stage = state.stage.load(std::memory_order_acquire);
  }
  if (stage == TaskStage::dispatched && CpuExecutor::claim(task)) {
    publish(task, nullptr, 0, Started::no, FollowUp::return_at_once);
  }
  return true;  // running: its body sees ctx.cancelled(), and publish discards its result
}

void RuntimeCore::note_child(Task& parent, Task& child) {
  auto finished = [](const TaskPtr& noted) {
    return state_of(*noted).stage.load(std::memory_order_acquire) == TaskStage::finished;
  };
  std::lock_guard lock(children_mutex_);
  std::deque<TaskPtr>& children = children_[&parent];
  state_of(parent).has_children = true;
  // Finished children are dropped (they keep their results alive): from the front as they finish, mostly in order,
  // and all of them whenever the list doubles, so a long-lived parent keeps about as many as it has live ones.
  while (!children.empty() && finished(children.front())) children.pop_front();
  if (children.size() >= 64 && (children.size() & (children.size() - 1)) == 0) std::erase_if(children, finished);
  children.push_back(TaskPtr(&child));
}

void RuntimeCore::forget_children(Task& parent) noexcept {
  std::deque<TaskPtr> children;  // released outside the lock: a child's last reference may free its result
  std::lock_guard lock(children_mutex_);
  auto it = children_.find(&parent);
  if (it == children_.end()) return;
  children.swap(it->second);
  children_.erase(it);
}

std::exception_ptr RuntimeCore::cancelled_by_user(const Task& task) const {
  return std::make_exception_ptr(TaskCancelledError(
      "task '" + task.name + "' was cancelled (Runtime::cancel) " +
      (state_of(task).body_started ? "while it ran; whatever it returned was discarded" : "before it started")));
}

}  // namespace hetsched::detail
