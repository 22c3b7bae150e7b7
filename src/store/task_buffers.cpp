#include "store/task_buffers.hpp"

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

#include "hetsched/detail/buffer_entry.hpp"
#include "store/buffer_data.hpp"

namespace hetsched::detail {
namespace {

/// Makes `task` wait for the task whose completion is `earlier` (unless that one is itself, or done and harmless: a
/// failed writer is remembered, because the contents it left are undefined).
void follow(Task& task, const EntryHold& earlier, bool propagates_failure, bool earlier_writes) {
  ObjectEntry* entry = earlier.get();
  if (!entry || entry == task.completion.get()) return;
  if (entry->is_done() && !(earlier_writes && entry->state() == ObjectState::failed)) return;
  task.ordering.push_back({EntryHold(entry), propagates_failure, earlier_writes});
}

/// Unpins the first `count` bound buffers and clears their bindings. `copies_done`: the task's stream has drained;
/// otherwise a copy enqueued on it may still read a source replica, which stays pinned until that copy is complete.
void unbind_first(Task& task, std::size_t count, MemoryNode node, bool copies_done) noexcept {
  for (std::size_t i = 0; i < count; ++i) {
    BufferUse& use = task.buffers[i];
    BufferData* data = use.entry->data();
    if (use.pinned_source >= 0) data->release_source(std::exchange(use.pinned_source, -1), node, !copies_done);
    if (use.binding->memory) data->unpin(node);
    *use.binding = {};
  }
}

}  // namespace

void order_buffer_uses(Task& task) {
  if (task.buffers.empty()) return;
  task.completion = EntryHold(new TypedObject<Unit>());
  std::vector<BufferEntry*> entries;
  for (const BufferUse& use : task.buffers) entries.push_back(use.entry);
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  std::vector<std::unique_lock<std::mutex>> locks;  // in address order: no two submitters deadlock
  for (BufferEntry* entry : entries) locks.emplace_back(entry->order().mutex);

  for (const BufferUse& use : task.buffers) {
    AccessOrder& order = use.entry->order();
    // A full overwrite does not read what a failed writer left, so that failure ends with it.
    follow(task, order.last_writer, use.mode != Access::write, true);
    if (use.mode == Access::read) {
      std::erase_if(order.readers, [](const EntryHold& reader) { return reader->is_done(); });
      order.readers.emplace_back(task.completion.get());
    } else {
      for (const EntryHold& reader : order.readers) follow(task, reader, false, false);
      order.readers.clear();
      order.last_writer = EntryHold(task.completion.get());
    }
  }
}

std::exception_ptr buffer_outcome(const Task& task, const std::exception_ptr& failure) noexcept {
  if (!failure) return nullptr;
  if (task.body_started) {
    const bool writes = std::any_of(task.buffers.begin(), task.buffers.end(),
                                    [](const BufferUse& use) { return use.mode != Access::read; });
    return writes ? failure : nullptr;
  }
  // The body never ran: the buffers hold what the earlier writer left, which is undefined only if that one failed.
  for (const OrderingDependency& earlier : task.ordering) {
    if (earlier.earlier_writes && earlier.done->state() == ObjectState::failed) return earlier.done->error();
  }
  return nullptr;
}

MemoryNode memory_node_of(const Task& task) noexcept {
  return task.gpu_ids.empty() ? host_node : task.gpu_ids.front();
}

void bind_task_buffers(Task& task, MemoryNode node, CUstream_st* stream, BufferStore& store) {
  const std::size_t set_aside = node == host_node ? 0 : static_cast<std::size_t>(task.demand.gpu_memory);
  if (set_aside != 0) {
    store.cache(node).set_aside(set_aside);
    task.memory_set_aside = set_aside;
  }
  for (;;) {
    std::size_t own_pinned = set_aside;
    std::size_t bound = 0;
    BufferData::Acquired blocked;
    try {
      for (; bound < task.buffers.size(); ++bound) {
        BufferUse& use = task.buffers[bound];
        BufferData* data = use.entry->data();
        if (!data) continue;  // an empty buffer: an empty span
        BufferData::Acquired got = data->acquire(node, use.mode, own_pinned, stream);
        if (got.must_wait) {
          blocked = got;
          break;
        }
        *use.binding = {got.memory, data->bytes()};
        use.pinned_source = got.pinned_source;
        own_pinned += data->bytes();
      }
    } catch (...) {
      unbind_first(task, bound, node, false);
      throw;
    }
    if (!blocked.must_wait) return;
    // Other tasks pin the memory this one needs: let go of everything, wait for a release, start over.
    BufferData* waiting_for = task.buffers[bound].entry->data();
    unbind_first(task, bound, node, false);
    waiting_for->wait_for_release(node, blocked.epoch);
  }
}

void unbind_task_buffers(Task& task, MemoryNode node, BufferStore& store) noexcept {
  unbind_first(task, task.buffers.size(), node, true);
  for (BufferHandle& allocation : task.allocations) allocation.get()->unpin(node);
  task.allocations.clear();
  if (const std::size_t set_aside = std::exchange(task.memory_set_aside, 0); set_aside != 0) {
    store.cache(node).give_back_set_aside(set_aside);
  }
}

std::size_t bytes_held_by(const Task& task) noexcept {
  std::size_t bytes = task.memory_set_aside;
  for (const BufferUse& use : task.buffers) bytes += use.binding->bytes;
  for (const BufferHandle& allocation : task.allocations) bytes += allocation.get()->bytes();
  return bytes;
}

}  // namespace hetsched::detail
