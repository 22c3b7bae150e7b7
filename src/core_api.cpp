// The non-template functions the header templates call (detail/core_api.hpp, and ctx.alloc's allocate_buffer), in
// one place: each checks what the caller may do and hands over to the runtime core, an actor or the buffer store.
// The waits behind get and wait (wait_for_count) live in exec/blocking_wait.cpp, the throw helpers in errors.cpp.
#include "hetsched/detail/core_api.hpp"

#include <cstring>
#include <span>

#include "hetsched/error.hpp"
#include "hetsched/task_context.hpp"
#include "runtime_core.hpp"
#include "store/buffer_data.hpp"
#include "store/access_order.hpp"
#include "store/buffer_binding.hpp"
#include "task/task_state.hpp"

namespace hetsched::detail {

void submit_task(RuntimeCore& core, TaskPtr task) { core.submit(std::move(task)); }

bool cancel_object(RuntimeCore& core, ObjectEntry& entry, bool recursive) { return core.cancel(entry, recursive); }

bool cancel_requested(const Task& task) noexcept { return state_of(task).cancel_requested(); }

Runtime& runtime_of(const Task& task) noexcept { return RuntimeCore::of(task).owner(); }

std::span<const int> gpu_ids_of(const Task& task) noexcept { return state_of(task).gpu_ids(); }

std::uint8_t placement_policy_index(RuntimeCore& core, std::string_view name) {
  return core.policy_index(name);
}

ActorRef create_actor(RuntimeCore& core, std::string name, const std::type_info& type, int max_concurrency) {
  return core.create_actor(std::move(name), type, max_concurrency);
}

ActorRef find_actor(RuntimeCore& core, const std::string& name, const std::type_info& type) {
  return core.find_actor(name, type);
}

void submit_actor_call(TaskPtr task) {
  if (ActorHost* host = task->actor->live_core()) return RuntimeCore::of(*host).submit(std::move(task));
  task->result->mark_failed(task->actor->death());
}

void intrusive_retain(ActorState* actor) noexcept { actor->retain(); }

void intrusive_release(ActorState* actor) noexcept { actor->release(); }

std::uint64_t actor_id(const ActorState& actor) noexcept { return actor.id(); }

std::string actor_call_name(const ActorState& actor) {
  return actor.name().empty() ? std::string("actor call") : actor.name() + " call";
}

void* actor_instance(const ActorState& actor) noexcept { return actor.instance(); }

void install_actor_instance(ActorState& actor, void* instance, void (*destroy)(void*)) noexcept {
  actor.install(instance, destroy);
}

void kill_actor(ActorState& actor) {
  actor.kill(std::make_exception_ptr(ActorDiedError("actor '" + actor.display_name() + "' was killed")));
}

void publish_put(RuntimeCore& core, ObjectEntry& entry, std::size_t bytes) { core.publish_put(entry, bytes); }

void note_get(RuntimeCore& core, const ObjectEntry& entry, bool was_done) {
  if (core.advisor().on()) core.advisor().got_one(entry, was_done, core.in_flight());
}

bool wait_for_all(RuntimeCore& core, std::span<ObjectEntry* const> entries, std::optional<Clock::time_point> deadline,
                  bool run_producers) {
  if (!core.advisor().on()) return wait_for_count(entries, entries.size(), deadline, run_producers);
  return core.advisor().wait_for_all(entries, deadline, run_producers);
}

void note_call(RuntimeCore& core) noexcept {
  if (core.advisor().on()) core.advisor().next_call();
}

BufferHandle create_host_buffer(RuntimeCore& core, const void* values, std::size_t count, std::size_t element_size) {
  BufferAllocation made = core.buffer_store().create(host_node, count, element_size, 0, BufferStore::Pin::yes,
                                                     "put_buffer");
  if (!made.memory) return std::move(made.handle);
  std::memcpy(made.memory, values, count * element_size);  // pinned meanwhile: not spilled half written
  made.handle.get()->unpin(host_node);
  return std::move(made.handle);
}

std::span<const std::byte> buffer_host_view(RuntimeCore&, BufferEntry& entry,
                                            std::optional<Clock::time_point> deadline) {
  EntryHold writer = last_writer_of(entry);
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
  data->keep_on_host();  // the view stays valid: never spilled again; a later writer is the caller's to avoid
  data->unpin(host_node);
  return {view.memory, data->bytes()};
}

BufferAllocation allocate_buffer(Task& task, std::size_t count, std::size_t element_size) {
  RuntimeCore& core = RuntimeCore::of(task);
  if (core.current_task() != &task) {
    throw UsageError("ctx.alloc was called for task '" + task.name +
                     "' outside its body's thread; allocate from the task's own thread while its body runs");
  }
  BufferAllocation made = core.buffer_store().create(memory_node_of(task), count, element_size,
                                                     bytes_held_by(task), BufferStore::Pin::yes,
                                                     "task '" + task.name + "'");
  // Pinned until the task's work is complete: a GPU kernel may still be writing it after the body returns.
  if (made.memory) state_of(task).device().allocations.push_back(made.handle.share());
  return made;
}

}  // namespace hetsched::detail
