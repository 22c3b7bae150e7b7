#include "store/buffer_binding.hpp"

#include <utility>

#include "hetsched/detail/buffer_entry.hpp"
#include "store/buffer_data.hpp"
#include "task/task_state.hpp"

namespace hetsched::detail {
namespace {

/// Whether the task's stream has drained the copies enqueued on it.
enum class Copies : bool { may_still_run, done };

/// Unpins the first `count` bound buffers and clears their bindings. While `copies` may still run, a copy enqueued on
/// the task's stream may read a source replica, which stays pinned until that copy is complete.
void unbind_first(Task& task, std::size_t count, MemoryNode node, Copies copies) noexcept {
  for (std::size_t i = 0; i < count; ++i) {
    BufferUse& use = task.buffers()[i];
    BufferData* data = use.entry->data();
    if (use.pinned_source >= 0) {
      data->release_source(std::exchange(use.pinned_source, -1), node, copies == Copies::may_still_run);
    }
    if (std::exchange(use.pinned_host, false)) data->release_host_source(node, copies == Copies::may_still_run);
    if (use.binding->memory) data->unpin(node);
    *use.binding = {};
  }
}

}  // namespace

MemoryNode memory_node_of(const Task& task) noexcept {
  std::span<const int> gpus = state_of(task).gpu_ids();
  return gpus.empty() ? host_node : gpus.front();
}

void bind_task_buffers(Task& task, MemoryNode node, CUstream_st* stream, BufferStore& store) {
  const std::size_t set_aside = node == host_node ? 0 : static_cast<std::size_t>(task.demand.gpu_memory);
  if (set_aside != 0) {
    store.cache(node).set_aside(set_aside);
    state_of(task).device().memory_set_aside = set_aside;
  }
  for (;;) {
    std::size_t own_pinned = set_aside;
    std::size_t bound = 0;
    BufferData::Acquired blocked;
    try {
      for (; bound < task.buffers().size(); ++bound) {
        BufferUse& use = task.buffers()[bound];
        BufferData* data = use.entry->data();
        if (!data) continue;  // an empty buffer: an empty span
        BufferData::Acquired got = data->acquire(node, use.mode, own_pinned, stream);
        if (got.must_wait) {
          blocked = got;
          break;
        }
        *use.binding = {got.memory, data->bytes()};
        use.pinned_source = got.pinned_source;
        use.pinned_host = got.pinned_host;
        own_pinned += data->bytes();
      }
    } catch (...) {
      unbind_first(task, bound, node, Copies::may_still_run);
      throw;
    }
    if (!blocked.must_wait) return;
    // Other tasks pin the memory this one needs: let go of everything, wait for a release, start over.
    BufferData* waiting_for = task.buffers()[bound].entry->data();
    unbind_first(task, bound, node, Copies::may_still_run);
    waiting_for->wait_for_release(node, blocked.epoch);
  }
}

void unbind_task_buffers(Task& task, MemoryNode node, BufferStore& store) noexcept {
  unbind_first(task, task.buffers().size(), node, Copies::done);
  TaskDeviceState* device = state_of(task).device_state.get();
  if (!device) return;
  for (BufferHandle& allocation : device->allocations) allocation.get()->unpin(node);
  device->allocations.clear();
  if (const std::size_t set_aside = std::exchange(device->memory_set_aside, 0); set_aside != 0) {
    store.cache(node).give_back_set_aside(set_aside);
  }
}

std::size_t bytes_held_by(const Task& task) noexcept {
  const TaskDeviceState* device = state_of(task).device_if_any();
  std::size_t bytes = device ? device->memory_set_aside : 0;
  for (const BufferUse& use : task.buffers()) bytes += use.binding->bytes;
  if (device) {
    for (const BufferHandle& allocation : device->allocations) bytes += allocation.get()->bytes();
  }
  return bytes;
}

}  // namespace hetsched::detail
