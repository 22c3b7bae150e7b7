#include "exec/gpu_task_runner.hpp"

#include "advice/advisor.hpp"
#include "exec/task_failure.hpp"
#include "hetsched/task_context.hpp"
#include "store/buffer_binding.hpp"
#include "task/task_state.hpp"

namespace hetsched::detail {

GpuTaskRunner::GpuTaskRunner(BufferStore& buffers, std::unique_ptr<GpuStreams> streams, int real_gpus,
                             TaskCompletion& completion)
    : buffers_(buffers),
      completion_(completion),
      real_gpus_(real_gpus),
      arenas_(streams ? streams->device_switch() : nullptr),
      streams_(std::move(streams)) {}

TaskPtr GpuTaskRunner::run(Task& task, MemoryNode node, FollowUp follow_up) noexcept {
  CUstream_st* stream = nullptr;
  std::size_t bytes = 0;
  std::exception_ptr failure;
  int previous_device = -1;
  // This body's launch errors are its own: one pending from a body this thread interrupted (blocked in get) is kept
  // for that body, and runtime code run meanwhile saves this body's before it clears errors of its own.
  LaunchErrorFrame launches;
  streams_->begin_body(launches);
  bool collecting = true;
  try {
    previous_device = streams_->make_current(node);
    stream = stream_for(task, node);
    bind_task_buffers(task, node, stream, buffers_);
    TaskContext context = CoreAccess::task_context(task, stream);
    state_of(task).body_starts();
    const int concurrency = body_concurrency(task);
    bytes = concurrency > 1 ? arenas_.run(concurrency, node, [&] { return task.invoke(context); })
                            : task.invoke(context);
    std::exception_ptr launch = streams_->end_body(launches);
    collecting = false;
    if (state_of(task).deferred_failure) std::rethrow_exception(state_of(task).deferred_failure);
    if (launch) failure = as_task_failure(task, launch);
  } catch (...) {
    failure = as_task_failure(task);
  }
  if (collecting) streams_->end_body(launches);
  if (advisor_ && stream && !failure && advisor_->sample_gpu_body()) {
    advisor_->gpu_body_checked(task, streams_->stream_facts(node, stream));
  }
  if (previous_device >= 0 && previous_device != node) streams_->restore_device(previous_device);
  if (stream) {
    complete_on_stream(task, node, stream, std::move(failure), bytes);
    return {};
  }
  unbind_task_buffers(task, node, buffers_);
  return completion_.task_done(task, std::move(failure), bytes, follow_up);
}

CUstream_st* GpuTaskRunner::stream_for(Task& task, MemoryNode node) {
  // A GPU actor has a stream of its own, made for its constructor: its calls run on it in order, and nothing else
  // queues behind them (or they behind anything else).
  // The constructor task keeps the stream in its record, and the actor adopts it from there when the task ends.
  if (task.role == TaskRole::actor_creation) {
    TaskDeviceState& device = state_of(task).device();
    device.actor_stream = streams_->create_stream(node);
    device.actor_stream_device = node;
    device.destroy_actor_stream = streams_->destroyer();
    device.switch_actor_device = streams_->device_switch();
    return device.actor_stream;
  }
  if (const TaskDeviceState* device = state_of(task).device_if_any(); device && device->actor_stream) {
    return device->actor_stream;  // a call of a GPU actor (its dispatch handed it the actor's stream)
  }
  return streams_->pool_stream(node);
}

void GpuTaskRunner::complete_on_stream(Task& task, MemoryNode node, CUstream_st* stream, std::exception_ptr failure,
                                       std::size_t bytes) noexcept {
  // The body has enqueued its work; the result is ready (and the buffers unpinned) when the stream gets there.
  auto finish = [this, &task, node, bytes](std::exception_ptr failed) {
    unbind_task_buffers(task, node, buffers_);
    completion_.task_done(task, failed, failed ? 0 : bytes, FollowUp::return_at_once);
    task.release();
  };
  completion_.body_returned(task);
  task.retain();
  try {
    streams_->when_done(node, stream, [&task, finish, failure](std::exception_ptr gpu_error) {
      finish(failure ? failure : gpu_error ? as_task_failure(task, gpu_error) : nullptr);
    });
  } catch (...) {
    // Completion could not even be requested (no event could be recorded): the device is broken; fail the task now.
    finish(failure ? failure : as_task_failure(task));
  }
}

}  // namespace hetsched::detail
