/// @file thrust_policy.cuh
/// @brief hetsched::thrust_on(ctx): a Thrust execution policy for a GPU task, on its stream, whose temporary storage
/// comes from the device's stream-ordered pool. Needs nvcc and Thrust (CCCL); the core headers never include it.
///
/// `thrust::cuda::par.on(stream)` allocates the temporaries of algorithms such as reduce, sort or scan with cudaMalloc
/// and releases them with cudaFree, which waits for every stream of the device: a Thrust call in one fractional GPU
/// task would wait for the kernels of all the others. The policy here takes them with cudaMallocAsync and gives them
/// back with cudaFreeAsync on the task's own stream, which orders the free after the algorithm's kernels without
/// waiting for anything. It is also a non-blocking policy (`par_nosync`): an algorithm that writes device memory
/// returns once its work is enqueued, as a task body should (the task completes when its stream gets there); one
/// that returns a value to the host (reduce, count, find, ...) still waits for the stream, and for it alone.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

#include <thrust/execution_policy.h>

#include "hetsched/cuda/cuda_check.hpp"
#include "hetsched/error.hpp"
#include "hetsched/task_context.hpp"

namespace hetsched {

/// A Thrust allocator of raw bytes, stream-ordered on one stream: allocate is cudaMallocAsync on it (from the pool of
/// the stream's device), deallocate is cudaFreeAsync on it. Memory it hands out may be used on that stream only.
/// Thread-safe (it holds nothing but the stream).
class StreamOrderedAllocator {
 public:
  /// Thrust asks for storage in bytes.
  using value_type = char;

  /// Allocates on `stream` (a stream of a real GPU).
  explicit StreamOrderedAllocator(cudaStream_t stream) noexcept : stream_(stream) {}

  /// `bytes` bytes, usable by work enqueued on the stream from now on; throws CudaError when the device is full.
  char* allocate(std::size_t bytes) {
    void* memory = nullptr;
    HETSCHED_CUDA_CHECK(cudaMallocAsync(&memory, bytes, stream_));
    return static_cast<char*>(memory);
  }

  /// Frees `memory` once the work enqueued on the stream so far is done. A failure (a broken context) is left as the
  /// thread's last CUDA error, so that the task running this Thrust call reports it.
  void deallocate(char* memory, std::size_t) noexcept { static_cast<void>(cudaFreeAsync(memory, stream_)); }

  /// The stream it allocates on.
  cudaStream_t stream() const noexcept { return stream_; }

  friend bool operator==(const StreamOrderedAllocator&, const StreamOrderedAllocator&) = default;

 private:
  cudaStream_t stream_;
};

/// The Thrust execution policy for work on `stream`: temporaries from StreamOrderedAllocator, no synchronisation
/// beyond what a result returned to the host needs.
inline auto thrust_on(cudaStream_t stream) {
  return thrust::cuda::par_nosync(StreamOrderedAllocator(stream)).on(stream);
}

/// The Thrust execution policy for a GPU task's body: its stream, temporaries from its device's stream-ordered pool.
/// UsageError when the task has no stream (it asked for no GPU, or runs on a logical GPU, whose memory is host
/// memory: use thrust::host there).
///
/// @code
///   rt.task([](hetsched::TaskContext& ctx, std::span<const int> values) {
///     return thrust::reduce(hetsched::thrust_on(ctx), values.begin(), values.end(), 0LL);
///   }).gpus(0.25).remote(hetsched::read(ref));
/// @endcode
inline auto thrust_on(const TaskContext& ctx) {
  if (ctx.stream() == nullptr) {
    throw UsageError("thrust_on(ctx) in task '" + ctx.name() +
                     "', which has no CUDA stream: it asked for no GPU or runs on a logical GPU (host memory); give "
                     "the task .gpus() on a machine with a CUDA device, or run Thrust with thrust::host there");
  }
  return thrust_on(ctx.stream());
}

}  // namespace hetsched
