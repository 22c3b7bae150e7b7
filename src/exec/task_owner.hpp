// What the layers below the runtime core may ask of the runtime a task was submitted to: its scheduler (a blocked
// get or wait lends a task's CPUs, reclaims them, or hands them to the producer it waits for), its executor (to run
// that producer on the waiting thread, or leave the thread's slot to a spare thread), and publishing the failure of
// a task that never started (a dead actor's queued call). Implemented by the runtime core.
#pragma once

#include <exception>

#include "exec/cpu_executor.hpp"
#include "hetsched/detail/task.hpp"
#include "scheduler/scheduler.hpp"
#include "task/task_state.hpp"

namespace hetsched::detail {

class TaskOwner {
 public:
  /// The runtime `task` was submitted to.
  static TaskOwner& of(const Task& task) noexcept { return *state_of(task).core; }

  virtual Scheduler& scheduler() noexcept = 0;
  virtual CpuExecutor& executor() noexcept = 0;
  /// Publishes `failure` for a task that never started.
  virtual void fail_unstarted(Task& task, std::exception_ptr failure) noexcept = 0;

 protected:
  ~TaskOwner() = default;
};

}  // namespace hetsched::detail
