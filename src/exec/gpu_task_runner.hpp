// Runs one claimed task's body on its GPU: the device made current (and the thread's previous one restored), the
// task's stream chosen (a pool stream, or a GPU actor's own), its buffers bound there, launch errors collected, and
// completion reported when the stream has drained the body's work. A body with more than one CPU runs in a device
// arena (exec/device_arenas.hpp), so the helper threads of its oneTBB work have its device current too. Tasks on
// logical GPUs run like CPU tasks and never come here.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>

#include "exec/device_arenas.hpp"
#include "exec/gpu_streams.hpp"
#include "hetsched/detail/task.hpp"
#include "task/follow_up.hpp"
#include "store/buffer_store.hpp"
#include "store/memory_system.hpp"

namespace hetsched {
}

namespace hetsched::detail {

class Advisor;

/// Where a GPU task's outcome goes. Implemented by the runtime core.
class TaskCompletion {
 public:
  /// The task's work is complete (`failure` null: its result is `bytes` long): publish it. When `follow_up` allows, it
  /// may return a follow-up task, already claimed, for this thread.
  virtual TaskPtr task_done(Task& task, std::exception_ptr failure, std::size_t bytes, FollowUp follow_up) noexcept = 0;
  /// The body returned and its work is queued on the task's stream: the CPUs it held for its thread may go.
  virtual void body_returned(Task& task) noexcept = 0;

 protected:
  ~TaskCompletion() = default;
};

class GpuTaskRunner {
 public:
  /// Runs tasks on GPUs 0..real_gpus-1 through `streams` (null when real_gpus is 0).
  GpuTaskRunner(BufferStore& buffers, std::unique_ptr<GpuStreams> streams, int real_gpus,
                TaskCompletion& completion);

  /// True when a task bound on memory node `node` runs here: `node` is a real GPU.
  bool runs_on(MemoryNode node) const noexcept { return node != host_node && node < real_gpus_; }
  /// Runs `task`'s body on GPU `node` and reports its outcome to task_done: from the progress thread once its stream
  /// has drained, or at once (passing `follow_up` on, and returning what task_done returned) when it failed
  /// before it had a stream.
  TaskPtr run(Task& task, MemoryNode node, FollowUp follow_up) noexcept;
  /// Lets `advisor` check a sample of GPU bodies for work launched off their stream (null: none); before any task.
  void set_advisor(Advisor* advisor) noexcept { advisor_ = advisor; }

 private:
  CUstream_st* stream_for(Task& task, MemoryNode node);
  void complete_on_stream(Task& task, MemoryNode node, CUstream_st* stream, std::exception_ptr failure,
                          std::size_t bytes) noexcept;

  BufferStore& buffers_;
  TaskCompletion& completion_;
  int real_gpus_;
  Advisor* advisor_ = nullptr;
  DeviceArenas arenas_;  // switches devices through the streams' device switch, callable after they are gone
  std::unique_ptr<GpuStreams> streams_;  // last: its progress thread reports to everything above
};

}  // namespace hetsched::detail
