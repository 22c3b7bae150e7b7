/// @file detail/task.hpp
/// @brief The type-erased task record shared by the templates (which fill it) and the core (which runs it). Not API.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hetsched/detail/buffer_handle.hpp"
#include "hetsched/detail/intrusive_ptr.hpp"
#include "hetsched/detail/object_entry.hpp"
#include "hetsched/detail/resource_demand.hpp"

namespace hetsched {
class TaskContext;
}

namespace hetsched::detail {

class TaskOwner;
class ActorState;
class BufferEntry;

/// A buffer a task declared access to, and where its body's span is bound.
struct BufferUse {
  BufferEntry* entry = nullptr;      ///< The buffer (kept alive by the typed argument).
  Access mode = Access::read;        ///< How the task uses it.
  BufferBinding* binding = nullptr;  ///< Inside the typed argument: filled before the body runs.
  int pinned_source = -1;            ///< A GPU whose replica a copy on the task's stream reads (pinned); -1: none.
};

/// An earlier task this one must follow because both use a buffer (see AccessOrder).
struct OrderingDependency {
  EntryHold done;           ///< The earlier task's completion marker.
  bool propagates_failure;  ///< True when this task reads what the earlier writer left: its failure fails this task.
  bool earlier_writes;      ///< The earlier task wrote the buffer (if it failed, the contents are undefined).
};

/// What a task is for: plain work, building an actor, or one call of an actor's method.
enum class TaskRole : std::uint8_t { plain, actor_creation, actor_call };

/// Where a task is on its way from remote() to its result.
enum class TaskStage : std::uint8_t {
  waiting_for_inputs,  ///< Some ObjectRef argument is still pending.
  queued,              ///< Inputs ready; waiting in its scheduling class for resources.
  dispatched,          ///< Resources taken; in the executor's run queue, not started.
  running,             ///< Claimed by a thread.
  finished             ///< Result published.
};

/// One submitted task: the erased callable, its demand, its inputs and output, and the scheduler's bookkeeping.
/// Reference counted (intrusive): the submitter, the scheduler queues and the executor each hold it while they need it.
class Task : public ObjectWaiter {
 public:
  Task() = default;
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  /// Resolves the arguments, calls the callable, stores the result; returns the result's size in bytes.
  virtual std::size_t invoke(TaskContext& context) = 0;
  /// One input became ready or failed (counts down unresolved_inputs; the last one hands the task to the scheduler).
  void object_completed() noexcept override;

  /// Adds a reference.
  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  /// Drops a reference; the last one frees the task.
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // Filled by the submitting template.
  std::string name;                  ///< Shown in errors and traces.
  ResourceDemand demand;             ///< What the task needs while it runs.
  EntryHold result;                  ///< The output object.
  std::span<ObjectEntry* const> inputs;  ///< ObjectRef arguments (kept alive, and listed, by the typed task).
  TaskRole role = TaskRole::plain;   ///< Plain task, actor constructor or actor method call.
  ActorState* actor = nullptr;       ///< The actor, for the two actor roles (kept alive by the callable).
  bool hold_resources_for_actor = false;  ///< Actor creation: keep the demand for the actor's lifetime.
  std::vector<BufferUse> buffers;    ///< Buffers the task declared access to, in argument order.

  // Owned by the core.
  TaskOwner* core = nullptr;                  ///< The runtime it was submitted to.
  std::atomic<int> unresolved_inputs{0};      ///< Inputs still pending, plus one while registering.
  std::atomic<TaskStage> stage{TaskStage::waiting_for_inputs};  ///< Where it is; running is claimed by one CAS.
  bool holds_resources = false;               ///< True while its demand is taken from the ledger.
  bool cpus_returned = false;                 ///< Its CPUs went back when its body returned (a real-GPU task).
  bool body_started = false;                  ///< Its body was called (so it may have written its buffers).
  std::exception_ptr deferred_failure;        ///< Set on its body's thread: the task fails with it when the body returns.
  std::uint64_t memory_set_aside = 0;         ///< Its gpu_memory, set aside in its GPU's replica cache while it runs.
  std::vector<int> gpu_ids;                   ///< Devices assigned at placement.
  std::int64_t gpu_units_per_device = 0;      ///< Units taken on each assigned device.
  std::uint64_t sequence = 0;                 ///< Arrival order at the scheduler.
  std::uint32_t bypassed = 0;                 ///< Later tasks started while this one waited.
  std::vector<OrderingDependency> ordering;   ///< Earlier users of its buffers it waits for (set at submission).
  /// Completes with the task (only when it uses buffers): what later users of its buffers wait for. A separate
  /// marker, not the result, so that remembering the task never keeps its result (perhaps a GPU buffer) alive.
  EntryHold completion;
  std::vector<BufferHandle> allocations;      ///< Buffers its body made with ctx.alloc, pinned until it finishes.

 protected:
  virtual ~Task() = default;

 private:
  std::atomic<int> refs_{0};
};

/// An owning pointer to a Task.
using TaskPtr = IntrusivePtr<Task>;

}  // namespace hetsched::detail
