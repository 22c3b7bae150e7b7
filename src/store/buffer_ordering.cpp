#include "store/buffer_ordering.hpp"

#include <algorithm>
#include <mutex>
#include <vector>

#include "store/access_order.hpp"
#include "task/task_state.hpp"

namespace hetsched::detail {
namespace {

/// What an ordering edge means (the two flags of OrderingDependency).
struct EdgeKind {
  bool propagates_failure;  ///< The later task reads what the earlier one left.
  bool earlier_writes;      ///< The earlier task writes the buffer.
};

/// Makes `task` wait for the task whose completion is `earlier` (unless that one is itself, or done and harmless: a
/// failed writer is remembered, because the contents it left are undefined).
void follow(TaskDeviceState& task, const EntryHold& earlier, EdgeKind kind) {
  ObjectEntry* entry = earlier.get();
  if (!entry || entry == task.completion.get()) return;
  if (entry->is_done() && !(kind.earlier_writes && entry->state() == ObjectState::failed)) return;
  task.ordering.push_back({EntryHold(entry), kind.propagates_failure, kind.earlier_writes});
}

}  // namespace

BufferEntry::BufferEntry() : order_(new AccessOrder()) {}

BufferEntry::~BufferEntry() { delete order_; }

EntryHold last_writer_of(BufferEntry& entry) {
  AccessOrder& order = *entry.order();
  std::lock_guard lock(order.mutex);
  return EntryHold(order.last_writer.get());
}

void order_buffer_uses(Task& task) {
  if (task.buffers().empty()) return;
  TaskDeviceState& device = state_of(task).device();
  device.completion = EntryHold(new TypedObject<Unit>());
  std::vector<BufferEntry*> entries;
  for (const BufferUse& use : task.buffers()) entries.push_back(use.entry);
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  std::vector<std::unique_lock<std::mutex>> locks;  // in address order: no two submitters deadlock
  for (BufferEntry* entry : entries) locks.emplace_back(entry->order()->mutex);

  for (const BufferUse& use : task.buffers()) {
    AccessOrder& order = *use.entry->order();
    // A full overwrite does not read what a failed writer left, so that failure ends with it.
    follow(device, order.last_writer, {.propagates_failure = use.mode != Access::write, .earlier_writes = true});
    if (use.mode == Access::read) {
      std::erase_if(order.readers, [](const EntryHold& reader) { return reader->is_done(); });
      order.readers.emplace_back(device.completion.get());
    } else {
      for (const EntryHold& reader : order.readers) {
        follow(device, reader, {.propagates_failure = false, .earlier_writes = false});
      }
      order.readers.clear();
      order.last_writer = EntryHold(device.completion.get());
    }
  }
}

std::exception_ptr buffer_outcome(const Task& task, const std::exception_ptr& failure) noexcept {
  if (!failure) return nullptr;
  if (state_of(task).body_started) {
    const bool writes = std::any_of(task.buffers().begin(), task.buffers().end(),
                                    [](const BufferUse& use) { return use.mode != Access::read; });
    return writes ? failure : nullptr;
  }
  // The body never ran: the buffers hold what the earlier writer left, which is undefined only if that one failed.
  for (const OrderingDependency& earlier : state_of(task).ordering()) {
    if (earlier.earlier_writes && earlier.done->state() == ObjectState::failed) return earlier.done->error();
  }
  return nullptr;
}

}  // namespace hetsched::detail
