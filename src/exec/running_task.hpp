// The tasks this thread is running, innermost first. A task blocked in get may run the task it waits for on its own
// stack, above itself; the chain lets a wait see how deep that nesting is and whether it waits for itself.
#pragma once

#include "hetsched/detail/task.hpp"

namespace hetsched::detail {

/// One task running on this thread, above the tasks it was run inline from.
struct RunningFrame {
  Task* task;                 ///< The running task.
  const RunningFrame* outer;  ///< The task blocked beneath it on this thread (null for the first).
  int depth;                  ///< How many tasks are beneath it on this thread.
};

/// The innermost task this thread runs (null outside task bodies).
inline const RunningFrame*& innermost_running() noexcept {
  static thread_local const RunningFrame* innermost = nullptr;
  return innermost;
}

/// Marks this thread as running `task` for the scope's life, above whatever it ran already.
class RunningTaskScope {
 public:
  explicit RunningTaskScope(Task& task) noexcept
      : frame_{&task, innermost_running(), innermost_running() ? innermost_running()->depth + 1 : 0} {
    innermost_running() = &frame_;
  }
  ~RunningTaskScope() { innermost_running() = frame_.outer; }
  RunningTaskScope(const RunningTaskScope&) = delete;
  RunningTaskScope& operator=(const RunningTaskScope&) = delete;

 private:
  RunningFrame frame_;
};

}  // namespace hetsched::detail
