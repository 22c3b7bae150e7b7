// The buffer entry points the header templates call: put_buffer, ctx.alloc and the host view behind get.
#include <span>

#include "hetsched/detail/core_api.hpp"
#include "hetsched/error.hpp"
#include "hetsched/task_context.hpp"
#include "runtime_core.hpp"
#include "store/buffer_data.hpp"
#include "store/task_buffers.hpp"

namespace hetsched::detail {

BufferAllocation create_host_buffer(RuntimeCore& core, std::size_t count, std::size_t element_size) {
  return core.buffer_store().create(host_node, count, element_size, 0, false, "put_buffer");
}

BufferAllocation allocate_buffer(Task& task, std::size_t count, std::size_t element_size) {
  RuntimeCore& core = RuntimeCore::of(task);
  if (core.current_task() != &task) {
    throw UsageError("ctx.alloc was called for task '" + task.name +
                     "' outside its body's thread; allocate from the task's own thread while its body runs");
  }
  BufferAllocation made = core.buffer_store().create(memory_node_of(task), count, element_size,
                                                     bytes_held_by(task), true, "task '" + task.name + "'");
  // Pinned until the task's work is complete: a GPU kernel may still be writing it after the body returns.
  if (made.memory) task.allocations.push_back(made.handle.share());
  return made;
}

std::span<const std::byte> buffer_host_view(RuntimeCore&, BufferEntry& entry,
                                            std::optional<Clock::time_point> deadline) {
  EntryHold writer;
  {
    std::lock_guard lock(entry.order().mutex);
    if (entry.order().last_writer.get()) writer = EntryHold(entry.order().last_writer.get());
  }
  if (ObjectEntry* pending = writer.get()) {
    auto start = Clock::now();
    if (!pending->is_done() && !wait_for_count(std::span(&pending, 1), 1, deadline, !deadline.has_value())) {
      throw_get_timeout(entry, Clock::now() - start);
    }
    if (pending->state() == ObjectState::failed) rethrow_failure(*pending);
  }
  BufferData* data = entry.data();
  if (!data || data->bytes() == 0) return {};
  BufferData::Acquired view = data->acquire(host_node, Access::read, 0);
  data->unpin(host_node);  // the host replica is never evicted; a later writer is the caller's to avoid
  return {view.memory, data->bytes()};
}

}  // namespace hetsched::detail
