// Which failures a task with max_retries runs again after: Ray's rule, where a system failure is retried and an
// exception the body throws only with retry_exceptions.
#pragma once

#include <exception>

#include "hetsched/detail/task.hpp"

namespace hetsched::detail {

/// True when `failure` is a TaskCancelledError (wrapped or not).
bool is_cancellation(const std::exception_ptr& failure);

/// True when `task`, failed with `failure`, may run again: retries left, a plain task, a system failure (a
/// DeviceError, CudaError included, or an ObjectStoreFullError wherever it came from, or any failure before the body
/// was called; a TaskError is judged by its cause) or, with retry_exceptions, any other, never a cancellation, a lost object, a misuse, an unplaceable demand or a failed input (`from_input`),
/// and no read_write buffer its failed run may have changed.
bool should_retry(const Task& task, const std::exception_ptr& failure, bool body_started, bool from_input);

}  // namespace hetsched::detail
