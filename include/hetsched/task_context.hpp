/// @file task_context.hpp
/// @brief TaskContext: what a running task may ask of the runtime (nested work, assigned GPUs, stream, share).
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "hetsched/buffer.hpp"
#include "hetsched/detail/core_api.hpp"
#include "hetsched/detail/task.hpp"
#include "hetsched/variants.hpp"

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
  /// The runtime running this task, for nested submissions, get, wait and put.
  Runtime& runtime() const noexcept { return detail::runtime_of(*task_); }
  /// Indices of the GPUs assigned to this task (empty when it asked for none).
  std::span<const int> gpu_ids() const noexcept { return detail::gpu_ids_of(*task_); }
  /// The CUDA stream of the assigned GPU; nullptr on a logical GPU or when no GPU was asked for. Enqueue the task's GPU
  /// work here and return: the task completes when this stream has done it (work on other streams, the legacy default
  /// stream included, is not waited for).
  StreamHandle stream() const noexcept { return stream_; }
  /// CPUs this task asked for.
  double cpus() const noexcept { return detail::from_units(task_->demand.cpu); }
  /// GPUs this task asked for.
  double gpus() const noexcept { return detail::from_units(task_->demand.gpu); }
  /// Which body runs: Variant::gpu when the task holds GPUs (the GPU body of variants(), or any task that asked
  /// for gpus()), Variant::cpu otherwise.
  Variant variant() const noexcept { return task_->demand.gpu > 0 ? Variant::gpu : Variant::cpu; }
  /// True once Runtime::cancel reached this task: stop early if you can (whatever it returns is discarded).
  bool cancelled() const noexcept { return detail::cancel_requested(*task_); }
  /// The task's name.
  const std::string& name() const noexcept { return task_->name; }

  /// A new buffer of `count` uninitialised elements on this task's device (device memory for a GPU task, host
  /// memory for a CPU task), to fill here (through data() or span(), on stream() for a GPU) and return from the task.
  /// Its memory counts against the device's capacity and may evict other replicas; ObjectStoreFullError when
  /// nothing can be freed.
  ///
  /// @code
  ///   rt.task([](hetsched::TaskContext& ctx, int n) {
  ///     auto out = ctx.alloc<int>(n);
  ///     std::iota(out.data(), out.data() + n, 0);
  ///     return out;
  ///   }).remote(100);  // ObjectRef<Buffer<int>>
  /// @endcode
  template <class T>
  Buffer<T> alloc(std::size_t count) {
    detail::BufferAllocation made = detail::allocate_buffer(*task_, count, sizeof(T));
    return detail::CoreAccess::make_buffer<T>(std::move(made.handle), reinterpret_cast<T*>(made.memory), made.count);
  }

 private:
  friend struct detail::CoreAccess;
  TaskContext(detail::Task& task, StreamHandle stream) noexcept : task_(&task), stream_(stream) {}

  detail::Task* task_;
  StreamHandle stream_;
};

namespace detail {
inline TaskContext CoreAccess::task_context(Task& task, CUstream_st* stream) noexcept { return {task, stream}; }
}  // namespace detail

}  // namespace hetsched
