// Which failures a task with max_retries runs again after: Ray's rule, where a system failure is retried and an
// exception the body throws only with retry_exceptions.
#pragma once

#include <exception>

#include "hetsched/detail/task.hpp"

namespace hetsched::detail {

/// True when `failure` is the system's rather than the task's: a DeviceError (CudaError included) or an
/// ObjectStoreFullError wherever it came from, or any failure raised before the body was called (staging its
/// buffers, say). A TaskError is judged by its cause.
bool is_system_failure(const std::exception_ptr& failure, bool body_started);

/// True when `failure` is a TaskCancelledError (wrapped or not).
bool is_cancellation(const std::exception_ptr& failure);

/// True when `task`, failed with `failure`, may run again: retries left, a plain task, a failure of its own kind
/// (system, or any with retry_exceptions), never a cancellation, a lost object, a misuse, an unplaceable demand or a failed input (`from_input`),
/// and no read_write buffer its failed run may have changed.
bool should_retry(const Task& task, const std::exception_ptr& failure, bool body_started, bool from_input);

}  // namespace hetsched::detail
