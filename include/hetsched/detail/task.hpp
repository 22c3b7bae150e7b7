/// @file detail/task.hpp
/// @brief The type-erased task record shared by the templates (which fill it) and the core (which runs it). Not API.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <string>

#include "hetsched/detail/buffer_handle.hpp"
#include "hetsched/detail/intrusive_ptr.hpp"
#include "hetsched/detail/object_entry.hpp"
#include "hetsched/detail/pooled_record.hpp"
#include "hetsched/detail/resource_demand.hpp"

namespace hetsched {
class TaskContext;
}

namespace hetsched::detail {

class ActorState;
class BufferEntry;

/// A buffer a task declared access to, and where its body's span is bound.
struct BufferUse {
  BufferEntry* entry = nullptr;      ///< The buffer (kept alive by the typed argument).
  Access mode = Access::read;        ///< How the task uses it.
  BufferBinding* binding = nullptr;  ///< Inside the typed argument: filled before the body runs.
  int pinned_source = -1;            ///< A GPU whose replica a copy on the task's stream reads (pinned); -1: none.
  bool pinned_host = false;          ///< Whether a copy on the task's stream reads the host copy (pinned).
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

/// The core's half of a task record (src/task/task_state.hpp): opaque here.
struct TaskState;

/// Bytes and alignment of the area a Task keeps for the core's bookkeeping (TaskState, defined in src/ and checked
/// there against these).
inline constexpr std::size_t task_state_bytes = 48;
/// See task_state_bytes.
inline constexpr std::size_t task_state_align = 8;

/// The core's bookkeeping of a task (src/task/task_state.hpp).
inline TaskState& state_of(Task& task) noexcept;
/// Same, read-only.
inline const TaskState& state_of(const Task& task) noexcept;

/// One submitted task: the erased callable and what the templates fill in (its demand, inputs, output, buffers). The
/// core's bookkeeping lives in an opaque area, so that changing it never recompiles a user's program. Reference
/// counted (intrusive): the submitter, the scheduler queues and the executor each hold it while they need it.
class Task : public ObjectWaiter, public PooledRecord {
 public:
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  /// Resolves the arguments, calls the callable, stores the result; returns the result's size in bytes.
  virtual std::size_t invoke(TaskContext& context) = 0;
  /// For a task with a CPU and a GPU body (hetsched::variants): the GPU body's demand, while `demand` is the CPU
  /// body's until the scheduler places the task (then `demand` is the chosen body's). Null for one body.
  virtual ResourceDemand* gpu_body_demand() noexcept { return nullptr; }
  /// The bytes of its largest value argument laid out in one block (a trivially copyable object, or a contiguous
  /// container of trivially copyable elements such as a std::vector<double>); empty when it has none. The advisor
  /// looks at it for a large value passed again and again.
  virtual std::span<const std::byte> largest_value_argument() const noexcept { return {}; }
  /// One input became ready or failed (the last one hands the task to the scheduler).
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
  ActorState* actor = nullptr;       ///< The actor, for the two actor roles (kept alive by the callable).
  TaskRole role = TaskRole::plain;   ///< Plain task, actor constructor or actor method call.
  bool hold_resources_for_actor = false;  ///< Actor creation: keep the demand for the actor's lifetime.
  std::uint8_t policy = 0;           ///< Placement policy: 0 the runtime's, else the one .policy(name) resolved to.
  std::uint8_t bodies = 1;           ///< 2 while a variants() task may still run either body; 1 once placed.
  std::int32_t priority = 0;         ///< Among ready tasks, higher starts first (TaskBuilder::priority).
  std::int32_t retries_left = 0;     ///< Runs it may still get after a failure (TaskBuilder::max_retries).
  bool retry_exceptions = false;     ///< Exceptions its body throws are retried too, not only system failures.

  /// The objects it waits for: its ObjectRef arguments and declared buffers (kept alive, and listed, by the typed
  /// task).
  std::span<ObjectEntry* const> inputs() const noexcept { return {inputs_, input_count_}; }
  /// Buffers the task declared access to, in argument order.
  std::span<BufferUse> buffers() const noexcept { return {buffers_, buffer_count_}; }

 protected:
  /// Lists the typed task's inputs and buffers (storage it owns).
  void set_arguments(std::span<ObjectEntry* const> inputs, std::span<BufferUse> buffers) noexcept {
    inputs_ = inputs.data();
    input_count_ = static_cast<std::uint16_t>(inputs.size());
    buffers_ = buffers.data();
    buffer_count_ = static_cast<std::uint16_t>(buffers.size());
  }
  /// Constructs the core's bookkeeping in place (src/task/task_state.cpp).
  Task() noexcept;
  /// Destroys it.
  virtual ~Task();

 private:
  friend TaskState& state_of(Task& task) noexcept;
  friend const TaskState& state_of(const Task& task) noexcept;
  std::byte* state_storage() noexcept { return state_; }
  const std::byte* state_storage() const noexcept { return state_; }

  ObjectEntry* const* inputs_ = nullptr;
  BufferUse* buffers_ = nullptr;
  std::uint16_t input_count_ = 0;  // a pointer and a count rather than a span each: 16 bytes less per task
  std::uint16_t buffer_count_ = 0;
  std::atomic<int> refs_{0};
  alignas(task_state_align) std::byte state_[task_state_bytes];
};

/// An owning pointer to a Task.
using TaskPtr = IntrusivePtr<Task>;

}  // namespace hetsched::detail
