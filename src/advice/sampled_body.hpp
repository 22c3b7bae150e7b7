// Runs a CPU task's body, timing one in TinyTasks::sample_every on each thread for the advisor's tiny-task check.
#pragma once

#include <chrono>
#include <cstddef>

#include "advice/advisor.hpp"
#include "hetsched/detail/task.hpp"

namespace hetsched::detail {

/// task.invoke(context), timed for `advisor` when it still looks for tiny tasks and this body is sampled.
inline std::size_t invoke_sampled(Advisor& advisor, Task& task, TaskContext& context) {
  if (!advisor.watching(AdviceKind::tiny_tasks) || !TinyTasks::sample()) return task.invoke(context);
  const auto started = std::chrono::steady_clock::now();
  const std::size_t bytes = task.invoke(context);
  advisor.body_timed(task, std::chrono::steady_clock::now() - started);
  return bytes;
}

}  // namespace hetsched::detail
