// At submission: the order in which tasks may use a buffer, and what a task's outcome leaves to later users.
#pragma once

#include <exception>

#include "hetsched/detail/task.hpp"

namespace hetsched::detail {

/// Adds to the task's ordering the earlier tasks it must follow for each declared buffer (a reader follows the last
/// writer; a writer follows the last writer and the readers since) and records the task as the buffer's latest
/// user (through its completion marker, made here). Every buffer of the task is locked at once, so concurrent
/// submitters agree on a single order.
void order_buffer_uses(Task& task);
/// What later users of the task's buffers inherit from its outcome `failure` (null: success): the failure when its
/// body ran and may have left a written buffer half done; the earlier writer's failure when the body never ran and
/// that writer's contents are undefined; otherwise nothing, because the buffers hold what they held before.
std::exception_ptr buffer_outcome(const Task& task, const std::exception_ptr& failure) noexcept;

}  // namespace hetsched::detail
