// What a blocked get or wait may ask of the runtime a task was submitted to: its scheduler, to lend a blocked task's
// CPUs, reclaim them, or hand them to the producer it waits for; and its executor, to run that producer on the
// waiting thread or leave the thread's slot to a spare thread. Implemented by the runtime core.
#pragma once

#include "exec/cpu_executor.hpp"
#include "hetsched/detail/task.hpp"
#include "scheduler/scheduler.hpp"

namespace hetsched::detail {

class TaskOwner {
 public:
  /// The runtime `task` was submitted to.
  static TaskOwner& of(const Task& task) noexcept;

  virtual Scheduler& scheduler() noexcept = 0;
  virtual CpuExecutor& executor() noexcept = 0;

 protected:
  ~TaskOwner() = default;
};

}  // namespace hetsched::detail
