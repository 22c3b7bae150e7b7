// The GpuExecutor's interface to the core: streams on real GPUs and completion detection. The body of a GPU task runs
// on a CPU thread, enqueues work on its stream and returns; the task is published when the stream has drained that
// work, which `when_done` reports from a progress thread, so no CPU thread is parked per GPU task. The CUDA
// implementation lives in cuda/; logical GPUs have no stream and need none of this.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string>

/// The CUDA runtime's stream type (`cudaStream_t` is `CUstream_st*`).
struct CUstream_st;

namespace hetsched::detail {

/// Destroys a stream of GPU `device`.
using StreamDestroyer = void (*)(int device, CUstream_st* stream) noexcept;
/// Makes GPU `device` the calling thread's current device; returns the one that was current (-1 when it could not).
using DeviceSwitch = int (*)(int device) noexcept;

/// How the progress thread learns that a task's work has finished (Config::gpu_completion).
enum class GpuCompletion {
  events,         ///< It polls an event recorded after the task's work.
  host_functions  ///< A host function enqueued after the task's work wakes it; events are polled only for errors.
};

/// The mode Config::gpu_completion names; UsageError listing the choices for any other name.
GpuCompletion parse_gpu_completion(const std::string& name);

/// Streams and completion for the real GPUs of one runtime. Thread-safe.
class GpuStreams {
 public:
  virtual ~GpuStreams() = default;

  /// Makes `device` the calling thread's current CUDA device (so a body's own allocations and Thrust calls land
  /// there); returns the device that was current, to restore afterwards (the thread may be a user's, helping in get).
  virtual int make_current(int device) = 0;
  /// Clears the calling thread's last CUDA error, so that take_launch_error blames a task only for its own launches.
  virtual void clear_launch_error() noexcept = 0;
  /// A stream of `device`'s pool for one task (the pool is shared round robin; enough streams that four
  /// fractional tasks on one device overlap).
  virtual CUstream_st* pool_stream(int device) = 0;
  /// A new stream on `device` for one owner's lifetime (a GPU actor); the owner destroys it with destroyer().
  virtual CUstream_st* create_stream(int device) = 0;
  /// How to destroy a stream from create_stream: a plain function, callable after this object is gone (its pending
  /// work still runs, and events recorded on it still complete).
  virtual StreamDestroyer destroyer() const noexcept = 0;
  /// How to make a device current from anywhere (a GPU actor's destructor runs on whichever thread dropped the last
  /// reference): a plain function, callable after this object is gone; null where there is nothing to switch.
  virtual DeviceSwitch device_switch() const noexcept { return nullptr; }
  /// The error a kernel launch left on the calling thread (cudaGetLastError), as a hetsched::CudaError; null when
  /// none. Called right after a task body returns.
  virtual std::exception_ptr take_launch_error() noexcept = 0;
  /// Calls `done` once every piece of work enqueued on `stream` so far has finished, from the progress thread;
  /// `done` receives the CUDA error that work hit (as a hetsched::CudaError), or null.
  virtual void when_done(int device, CUstream_st* stream, std::function<void(std::exception_ptr)> done) = 0;
};

/// Streams for GPUs 0..real_devices-1, completing tasks by `completion`; null when real_devices is 0 or the build has
/// no CUDA.
std::unique_ptr<GpuStreams> make_gpu_streams(int real_devices, GpuCompletion completion);

}  // namespace hetsched::detail
