/// @file detail/core_api.hpp
/// @brief The handful of non-template functions the header templates call into the compiled core. Not API.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <typeinfo>
#include <string_view>

#include "hetsched/detail/buffer_entry.hpp"
#include "hetsched/detail/intrusive_ptr.hpp"
#include "hetsched/detail/object_entry.hpp"
#include "hetsched/detail/task.hpp"

namespace hetsched {
class Runtime;
}

namespace hetsched::detail {

class RuntimeCore;
class ActorState;  // an actor's record: instance, mailbox, lifecycle (src/actor/actor_state.hpp)

/// Adds a reference to an actor's record.
void intrusive_retain(ActorState* actor) noexcept;
/// Drops one; the last destroys the actor (and its instance).
void intrusive_release(ActorState* actor) noexcept;
/// An owning pointer to an actor's record.
using ActorRef = IntrusivePtr<ActorState>;

/// Clock used for every deadline.
using Clock = std::chrono::steady_clock;

/// Validates the task's demand against the totals (ResourceError when it can never be met), registers its output
/// and inputs, and schedules it once the inputs are ready.
void submit_task(RuntimeCore& core, TaskPtr task);
/// The index a task's `policy` field takes for the placement policy `name` (UsageError listing the known names).
std::uint8_t placement_policy_index(RuntimeCore& core, std::string_view name);
/// Creates an actor record (named actors are registered; UsageError for a name already in use).
ActorRef create_actor(RuntimeCore& core, std::string name, const std::type_info& type, int max_concurrency);
/// Finds a live actor by name; UsageError when there is none or its type is not `type`.
ActorRef find_actor(RuntimeCore& core, const std::string& name, const std::type_info& type);
/// Submits an actor call (task->actor set) to the actor's runtime; a killed actor, or one whose Runtime is gone,
/// fails the call's result at once with ActorDiedError.
void submit_actor_call(TaskPtr task);
/// The actor's id, unique within the process.
std::uint64_t actor_id(const ActorState& actor) noexcept;
/// The name its calls' tasks get ("actor call", or "<name> call" for a named actor).
std::string actor_call_name(const ActorState& actor);
/// The instance, valid inside the actor's calls.
void* actor_instance(const ActorState& actor) noexcept;
/// Called by the constructor task with the freshly built instance and how to destroy it.
void install_actor_instance(ActorState& actor, void* instance, void (*destroy)(void*)) noexcept;
/// Kills an actor: queued and later calls fail with ActorDiedError, its resources return now.
void kill_actor(ActorState& actor);
/// Throws UsageError for a call through an empty ActorHandle.
[[noreturn]] void throw_empty_actor_handle();
/// Registers a value stored by `put` (id, accounting) and marks it ready.
void publish_put(RuntimeCore& core, ObjectEntry& entry, std::size_t bytes);
/// A new buffer holding a copy of `count` elements of `element_size` bytes at `values`, its only replica in host
/// memory, counted against the host budget (for put_buffer; ObjectStoreFullError when it cannot fit).
BufferHandle create_host_buffer(RuntimeCore& core, const void* values, std::size_t count, std::size_t element_size);
/// The host replica of a ready buffer, valid once every task submitted earlier that writes it has finished (waits
/// for them; GetTimeoutError past `deadline`; rethrows a writer's failure).
std::span<const std::byte> buffer_host_view(RuntimeCore& core, BufferEntry& entry,
                                            std::optional<Clock::time_point> deadline);
/// Blocks until at least `count` of `entries` are done or the deadline passes; returns whether they are. With
/// `run_producers` the caller may run a pending producer itself instead of sleeping (each entry knows its runtime).
/// UsageError when the calling task waits for itself.
bool wait_for_count(std::span<ObjectEntry* const> entries, std::size_t count,
                    std::optional<Clock::time_point> deadline, bool run_producers);
/// Tells the advisor about a get of one object, as it starts (`was_done`: the object is ready already).
void note_get(RuntimeCore& core, const ObjectEntry& entry, bool was_done);
/// wait_for_count for every entry, as a get of several refs waits (the advisor measures how long early results sat
/// ready).
bool wait_for_all(RuntimeCore& core, std::span<ObjectEntry* const> entries, std::optional<Clock::time_point> deadline,
                  bool run_producers);
/// Tells the advisor this thread calls the runtime (wait).
void note_call(RuntimeCore& core) noexcept;
/// Allocates `count` elements of `element_size` bytes on the running task's memory node (ctx.alloc).
BufferAllocation allocate_buffer(Task& task, std::size_t count, std::size_t element_size);
/// The Runtime that owns the task's core now (ctx.runtime()).
Runtime& runtime_of(const Task& task) noexcept;
/// The GPUs assigned to a running task (ctx.gpu_ids()).
std::span<const int> gpu_ids_of(const Task& task) noexcept;
/// Rethrows the failure stored in a failed entry.
[[noreturn]] void rethrow_failure(const ObjectEntry& entry);
/// Throws UsageError for a negative max_retries.
void check_retry_count(int retries);
/// Throws UsageError: the task `task_name` has max_retries but a move-only argument.
[[noreturn]] void throw_move_only_retry(const std::string& task_name);
/// Cancels the task producing `entry` if it is this runtime's and unfinished (see Runtime::cancel).
bool cancel_object(RuntimeCore& core, ObjectEntry& entry, bool recursive);
/// True once the running task was cancelled (ctx.cancelled()).
bool cancel_requested(const Task& task) noexcept;
/// Throws UsageError for an empty ObjectRef passed to `operation`.
[[noreturn]] void throw_empty_ref(std::string_view operation);
/// Throws GetTimeoutError for `entry` (named by the task producing it) after waiting `waited`.
[[noreturn]] void throw_get_timeout(ObjectEntry& entry, Clock::duration waited);
/// Throws UsageError: a move-only object shared by several refs cannot be moved out by get.
[[noreturn]] void throw_shared_move_only(const ObjectEntry& entry);

}  // namespace hetsched::detail
