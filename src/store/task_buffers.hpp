// A task's declared buffers: the order in which tasks may use a buffer (fixed at submission), and binding each
// buffer to the task's memory node around its body.
#pragma once

#include <cstddef>

#include "hetsched/detail/task.hpp"
#include "store/buffer_store.hpp"
#include "store/memory_system.hpp"

namespace hetsched::detail {

/// Adds to task.ordering the earlier tasks it must follow for each declared buffer (a reader follows the last
/// writer; a writer follows the last writer and the readers since) and records the task as the buffer's latest
/// user (through its completion marker, made here). Every buffer of the task is locked at once, so concurrent
/// submitters agree on a single order.
void order_buffer_uses(Task& task);
/// What later users of the task's buffers inherit from its outcome `failure` (null: success): the failure when its
/// body ran and may have left a written buffer half done; the earlier writer's failure when the body never ran and
/// that writer's contents are undefined; otherwise nothing, because the buffers hold what they held before.
std::exception_ptr buffer_outcome(const Task& task, const std::exception_ptr& failure) noexcept;
/// The node a task's buffers are bound on: its first GPU, else host memory.
MemoryNode memory_node_of(const Task& task) noexcept;
/// Sets the task's gpu_memory aside on a GPU `node` (replicas are evicted to make room for it), then pins every
/// declared buffer on `node`, made valid for its access, and binds the body's spans. `stream`: the task's stream on a
/// real GPU (null elsewhere), on which the copies in are enqueued ahead of the body's work. While other running tasks
/// pin the GPU memory it needs, it waits holding no pin of its own (so two such tasks cannot deadlock). Throws
/// ObjectStoreFullError when the memory can never be found; on any throw nothing stays pinned (the set-aside stays
/// until unbind_task_buffers, which is called whatever happened).
void bind_task_buffers(Task& task, MemoryNode node, CUstream_st* stream, BufferStore& store);
/// Drops the pins of bind_task_buffers and of the task's ctx.alloc buffers, and its set-aside; once the task's work is
/// complete.
void unbind_task_buffers(Task& task, MemoryNode node, BufferStore& store) noexcept;
/// Bytes the task holds on its device now (its set-aside gpu_memory, bound buffers and allocations).
std::size_t bytes_held_by(const Task& task) noexcept;

}  // namespace hetsched::detail
