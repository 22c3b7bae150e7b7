// The core's half of a task record: where the task is on its way, what it holds, and (only for tasks that use
// buffers or GPUs) its device bookkeeping. It lives in place inside the Task (an opaque area of the public record),
// so a scheduler change never touches a user's build and a CPU task costs no allocation for it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <span>
#include <vector>

#include "hetsched/detail/buffer_handle.hpp"
#include "hetsched/detail/object_entry.hpp"
#include "hetsched/detail/task.hpp"

struct CUstream_st;

namespace hetsched::detail {

class TaskOwner;

/// An earlier task this one must follow because both use a buffer (see AccessOrder).
struct OrderingDependency {
  EntryHold done;           ///< The earlier task's completion marker.
  bool propagates_failure;  ///< True when this task reads what the earlier writer left: its failure fails this task.
  bool earlier_writes;      ///< The earlier task wrote the buffer (if it failed, the contents are undefined).
};

/// Where a task stands with Runtime::cancel. `closed` is set once when it is published: a cancel that finds it
/// closed returns false, one that got in first makes the task fail with TaskCancelledError.
enum class CancelState : std::uint8_t {
  none,       ///< Not asked.
  requested,  ///< Cancelled: it fails with TaskCancelledError, its body (if running) sees ctx.cancelled().
  recursive,  ///< Same, and the tasks it submitted (and submits from now on) are cancelled too.
  closed      ///< Published (or being published): too late to cancel.
};

/// How a task placed on the models' predictions is timed, so that its run teaches them (PerfModel::record).
struct RunTiming {
  bool timed = false;                                ///< Placed by a policy that uses the models.
  bool record = false;                               ///< Timed and sampled: its run time teaches the models.
  bool stamp_start = false;                          ///< Note started_at for the timeline (a real-GPU task).
  std::uint8_t variant = 0;                          ///< The body, as the models key it: 0 on CPUs, 1 on GPUs.
  std::uint32_t model_task = 0;                      ///< Its name's PerfModel id.
  std::uint64_t input_bytes = 0;                     ///< Bytes of its inputs when it was placed.
  std::chrono::steady_clock::time_point started_at;  ///< When its body was called.
};

/// Bookkeeping only tasks with buffers or GPUs (or timed for the models) have; made on first use.
struct TaskDeviceState {
  std::vector<int> gpu_ids;                  ///< Devices assigned at placement.
  std::int64_t gpu_units_per_device = 0;     ///< Units taken on each assigned device.
  std::uint64_t memory_set_aside = 0;        ///< Its gpu_memory, set aside in its GPU's replica cache while it runs.
  std::vector<OrderingDependency> ordering;  ///< Earlier users of its buffers it waits for (set at submission).
  /// Completes with the task (only when it uses buffers): what later users of its buffers wait for. A separate
  /// marker, not the result, so that remembering the task never keeps its result (perhaps a GPU buffer) alive.
  EntryHold completion;
  std::vector<BufferHandle> allocations;     ///< Buffers its body made with ctx.alloc, pinned until it finishes.
  /// A GPU actor's own stream: made on its device for the constructor task (the actor adopts it when the task ends)
  /// and handed to each of its calls, so that they run in order on it. Null elsewhere.
  CUstream_st* actor_stream = nullptr;
  int actor_stream_device = -1;                            ///< The device of actor_stream.
  void (*destroy_actor_stream)(int, CUstream_st*) noexcept = nullptr;  ///< How the actor destroys it (constructor only).
  /// How the actor makes its device current around its destructor (constructor only; null: nothing to switch).
  int (*switch_actor_device)(int) noexcept = nullptr;
  RunTiming timing;  ///< Set when a policy that uses the models placed it.
};

/// What the core keeps about one task.
struct TaskState {
  TaskOwner* core = nullptr;                  ///< The runtime it was submitted to.
  std::exception_ptr deferred_failure;        ///< Set on its body's thread: the task fails with it when the body returns;
                                              ///< set before it starts (it could never be placed): it fails without running.
  std::uint64_t sequence = 0;                 ///< Arrival order at the scheduler.
  std::atomic<int> unresolved_inputs{0};      ///< Inputs still pending, plus one while registering.
  std::uint32_t bypassed = 0;                 ///< Later tasks started while this one waited.
  std::atomic<TaskStage> stage{TaskStage::waiting_for_inputs};  ///< Where it is; running is claimed by one CAS.
  bool holds_resources = false;               ///< True while its demand is taken from the ledger.
  bool cpus_returned = false;                 ///< Its CPUs went back when its body returned (a real-GPU task).
  bool body_started = false;                  ///< Its body was called (so it may have written its buffers).
  bool inputs_pinned = false;                 ///< Its spillable ObjectRef arguments are pinned in memory.
  bool serial_actor_call = false;             ///< A call of an actor that runs one call at a time (set at dispatch).
  std::atomic<CancelState> cancel{CancelState::none};  ///< See CancelState.
  bool has_children = false;                  ///< Its body submitted tasks (noted for a recursive cancel).
  std::unique_ptr<TaskDeviceState> device_state;  ///< Null until the task uses a buffer or a GPU.

  /// The device bookkeeping, made now if the task had none. Only by the thread that owns the task at that moment.
  TaskDeviceState& device() {
    if (!device_state) device_state = std::make_unique<TaskDeviceState>();
    return *device_state;
  }
  /// The device bookkeeping, or null when the task never used a buffer or a GPU.
  const TaskDeviceState* device_if_any() const noexcept { return device_state.get(); }
  /// Devices assigned at placement (empty for a CPU task).
  std::span<const int> gpu_ids() const noexcept {
    return device_state ? std::span<const int>(device_state->gpu_ids) : std::span<const int>();
  }
  /// Earlier users of its buffers it waits for.
  std::span<OrderingDependency> ordering() noexcept {
    return device_state ? std::span<OrderingDependency>(device_state->ordering) : std::span<OrderingDependency>();
  }
  /// Same, read-only.
  std::span<const OrderingDependency> ordering() const noexcept {
    return device_state ? std::span<const OrderingDependency>(device_state->ordering)
                        : std::span<const OrderingDependency>();
  }
  /// Its body is about to be called: marks body_started, and a timed task notes the time.
  void body_starts() noexcept {
    body_started = true;
    if (device_state && (device_state->timing.record || device_state->timing.stamp_start)) {
      device_state->timing.started_at = std::chrono::steady_clock::now();
    }
  }
  /// True once Runtime::cancel reached the task (what ctx.cancelled() says).
  bool cancel_requested() const noexcept {
    const CancelState now = cancel.load(std::memory_order_acquire);
    return now == CancelState::requested || now == CancelState::recursive;
  }
  /// The completion marker (null for a task without buffers).
  ObjectEntry* completion() const noexcept { return device_state ? device_state->completion.get() : nullptr; }
};

static_assert(sizeof(TaskState) <= task_state_bytes, "TaskState outgrew the area Task reserves for it");
static_assert(alignof(TaskState) <= task_state_align, "TaskState needs more alignment than Task gives it");

/// The core's bookkeeping of `task`.
inline TaskState& state_of(Task& task) noexcept {
  return *std::launder(reinterpret_cast<TaskState*>(task.state_storage()));
}
/// Same, read-only.
inline const TaskState& state_of(const Task& task) noexcept {
  return *std::launder(reinterpret_cast<const TaskState*>(task.state_storage()));
}

}  // namespace hetsched::detail
