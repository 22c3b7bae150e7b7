// What a task's failure is recorded as: the exception its body (or its GPU work) threw, wrapped in a TaskError that
// names the task unless it already says what went wrong.
#pragma once

#include <exception>
#include <string>

#include "hetsched/detail/task.hpp"

namespace hetsched::detail {

/// The failure to record for `task` while its body's exception is being handled (inside a catch block): a TaskError,
/// or the exception itself when it is one already, a cancellation, an ObjectStoreFullError or an ObjectLostError.
std::exception_ptr as_task_failure(const Task& task);
/// `error` as the failure of `task` (see above).
std::exception_ptr as_task_failure(const Task& task, const std::exception_ptr& error);
/// The message of a stored exception (any type: a non-std one is named by its demangled type).
std::string describe(const std::exception_ptr& error);

}  // namespace hetsched::detail
