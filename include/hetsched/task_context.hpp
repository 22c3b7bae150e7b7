/// @file task_context.hpp
/// @brief TaskContext: what a running task may ask of the runtime (nested work, assigned GPUs, stream, share).
#pragma once

#include <span>
#include <string>

#include "hetsched/detail/task.hpp"

/// The CUDA runtime's stream type is `CUstream_st*`; declared here so that no CUDA header is needed.
struct CUstream_st;

namespace hetsched {

class Runtime;

/// A CUDA stream handle (`cudaStream_t`), forward-declared.
using StreamHandle = CUstream_st*;

/// Passed to a callable whose first parameter is `hetsched::TaskContext&`. Valid only during that call.
///
/// @code
///   rt.task([](hetsched::TaskContext& ctx, int n) { return ctx.runtime().task(f).remote(n - 1); }).remote(10);
/// @endcode
class TaskContext {
 public:
  /// Made by the executor for one run of one task. Not API.
  TaskContext(Runtime& runtime, const detail::Task& task, StreamHandle stream) noexcept
      : runtime_(&runtime), task_(&task), stream_(stream) {}

  /// The runtime running this task, for nested submissions, get, wait and put.
  Runtime& runtime() const noexcept { return *runtime_; }
  /// Indices of the GPUs assigned to this task (empty when it asked for none).
  std::span<const int> gpu_ids() const noexcept { return task_->gpu_ids; }
  /// The CUDA stream of the assigned GPU; nullptr on a logical GPU or when no GPU was asked for.
  StreamHandle stream() const noexcept { return stream_; }
  /// CPUs this task asked for.
  double cpus() const noexcept { return detail::from_units(task_->demand.cpu); }
  /// GPUs this task asked for.
  double gpus() const noexcept { return detail::from_units(task_->demand.gpu); }
  /// The task's name.
  const std::string& name() const noexcept { return task_->name; }

 private:
  Runtime* runtime_;
  const detail::Task* task_;
  StreamHandle stream_;
};

}  // namespace hetsched
