// At run: binding each buffer a task declared to the task's memory node around its body, and what it holds there.
#pragma once

#include <cstddef>

#include "hetsched/detail/task.hpp"
#include "store/buffer_store.hpp"
#include "store/memory_system.hpp"

struct CUstream_st;

namespace hetsched::detail {

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
