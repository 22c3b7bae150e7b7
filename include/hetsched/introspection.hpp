/// @file introspection.hpp
/// @brief What Runtime::list_tasks, list_objects, list_actors and counters report about a running program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "hetsched/store_stats.hpp"

namespace hetsched {

/// Where a live task is on its way from remote() to its result.
enum class TaskStatus {
  waiting_for_inputs,  ///< Some ObjectRef argument (or an earlier user of one of its buffers) is still pending.
  queued,              ///< Its inputs are ready; it waits for resources in its scheduling class.
  dispatched,          ///< Resources are taken; it waits for a thread.
  running,             ///< Its body runs (or, on a real GPU, its stream has work left).
  finished             ///< Its result is published (list_tasks never shows these; the counters count them).
};

/// The name of a TaskStatus: "waiting_for_inputs", "queued", "dispatched", "running" or "finished".
std::string_view to_string(TaskStatus status) noexcept;

/// One live (submitted, not yet finished) task, as Runtime::list_tasks sees it.
struct TaskInfo {
  std::string name;                      ///< The task's name (TaskBuilder::name, or what the runtime made up).
  std::string kind;                      ///< "task", "actor creation" or "actor call".
  TaskStatus status = TaskStatus::queued;  ///< Where it is now.
  /// What it holds or asks for, by resource name ("CPU", "GPU", custom names); empty for an actor call (it runs
  /// within its actor's resources).
  std::map<std::string, double> demand;
  /// For a hetsched::variants task: "cpu" or "gpu" once placed, "either" before; empty for other tasks.
  std::string variant;
  std::uint64_t result_id = 0;           ///< The id of the object it will produce (ObjectRef::id()).
};

/// Whether an object has its value yet.
enum class ObjectStatus {
  pending,  ///< Its task has not finished.
  ready,    ///< It holds its value.
  failed    ///< It holds its task's error.
};

/// The name of an ObjectStatus: "pending", "ready" or "failed".
std::string_view to_string(ObjectStatus status) noexcept;

/// One object alive in the store (a put value or a task's result, still referenced), as Runtime::list_objects sees
/// it.
struct ObjectInfo {
  std::uint64_t id = 0;                          ///< ObjectRef::id().
  ObjectStatus status = ObjectStatus::pending;   ///< Whether it has its value.
  std::size_t bytes = 0;                         ///< Its size once ready (estimated for containers; a Buffer's bytes).
  std::uint32_t refs = 0;                        ///< ObjectRefs to it alive now.
  bool spilled = false;  ///< Its value (a Buffer's host copy) is on disk now, past Config::object_store_bytes.
};

/// Where an actor is in its life.
enum class ActorStatus {
  creating,  ///< Its constructor has not finished.
  alive,     ///< Constructed; its calls run.
  restarting,  ///< A call failed with a system error (ActorBuilder::max_restarts): its constructor runs again.
  dead       ///< Killed, failed in its constructor, or stopped by shutdown; its calls fail with ActorDiedError.
};

/// The name of an ActorStatus: "creating", "alive", "restarting" or "dead".
std::string_view to_string(ActorStatus status) noexcept;

/// One actor the runtime knows (until its last handle and call are gone), as Runtime::list_actors sees it.
struct ActorInfo {
  std::string name;                          ///< ActorBuilder::name, or "#<id>" for an unnamed actor.
  std::string class_name;                    ///< The C++ class of the instance (demangled where possible).
  std::uint64_t id = 0;                      ///< Unique within the process.
  ActorStatus status = ActorStatus::creating;  ///< Where it is in its life.
  std::size_t pending_calls = 0;             ///< Calls submitted that have not started.
  int running_calls = 0;                     ///< Calls running now.
  int restarts = 0;                          ///< Restarts begun: times its constructor was run again (max_restarts).
};

/// Counters of one Runtime since it started: tasks by state, retries, and the object store's counters (bytes moved
/// each way, evictions, spills and restores).
struct RuntimeCounters {
  std::uint64_t tasks_submitted = 0;    ///< Tasks (actor constructors and calls included) handed to the runtime.
  std::uint64_t tasks_finished = 0;     ///< Of those, published (successfully or not).
  std::uint64_t tasks_failed = 0;       ///< Of the finished, those whose result is an error.
  std::uint64_t tasks_waiting = 0;      ///< Live now: waiting for inputs.
  std::uint64_t tasks_queued = 0;       ///< Live now: queued for resources.
  std::uint64_t tasks_dispatched = 0;   ///< Live now: resources taken, waiting for a thread.
  std::uint64_t tasks_running = 0;      ///< Live now: running.
  std::uint64_t retries = 0;            ///< Runs started again after a failure (TaskBuilder::max_retries).
  std::uint64_t actor_restarts = 0;     ///< Actor restarts begun (ActorBuilder::max_restarts).
  StoreStats store;                     ///< Objects, transfers (h2d, d2h, d2d), evictions, spills, restores.
};

}  // namespace hetsched
