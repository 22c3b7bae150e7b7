// The GpuExecutor's interface to the core: streams on real GPUs and completion detection. The body of a GPU task runs
// on a CPU thread, enqueues work on its stream and returns; the task is published when the stream has drained that
// work, which `when_done` reports from a progress thread, so no CPU thread is parked per GPU task. The CUDA
// implementation lives in cuda/; logical GPUs have no stream and need none of this.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "advice/idle_stream.hpp"

/// The CUDA runtime's stream type (`cudaStream_t` is `CUstream_st*`).
struct CUstream_st;

namespace hetsched::detail {

/// Where a running GPU body's launch error is kept (a cudaError_t; 0 is none) while runtime code or an inner task runs
/// on its thread; `outer` is the frame of the body it interrupted (a body blocked in get runs inner tasks inline).
struct LaunchErrorFrame {
  int status = 0;
  LaunchErrorFrame* outer = nullptr;
};

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
  /// Makes `device` current again after make_current; a failure (a broken context) is ignored.
  virtual void restore_device(int device) noexcept = 0;
  /// Starts collecting the launch errors of a body about to run on this thread in `frame`: an error pending from a
  /// body it interrupts is saved in that body's frame first, so neither blames the other.
  virtual void begin_body(LaunchErrorFrame& frame) noexcept = 0;
  /// Ends the collection begun by begin_body (the interrupted body's frame is current again) and returns the error
  /// the body's launches left, as a hetsched::CudaError; null when none. Called right after the body returns.
  virtual std::exception_ptr end_body(LaunchErrorFrame& frame) noexcept = 0;
  /// A stream of `device`'s pool for one task: one with no other task's work in flight (the pool grows when every
  /// stream is busy), so the task's work never queues behind another's. It is free again once when_done's `done`
  /// for it has been called.
  virtual CUstream_st* pool_stream(int device) = 0;
  /// A new stream on `device` for one owner's lifetime (a GPU actor); the owner destroys it with destroyer().
  virtual CUstream_st* create_stream(int device) = 0;
  /// How to destroy a stream from create_stream: a plain function, callable after this object is gone (its pending
  /// work still runs, and events recorded on it still complete).
  virtual StreamDestroyer destroyer() const noexcept = 0;
  /// How to make a device current from anywhere (a GPU actor's destructor runs on whichever thread dropped the last
  /// reference): a plain function, callable after this object is gone; null where there is nothing to switch.
  virtual DeviceSwitch device_switch() const noexcept { return nullptr; }
  /// Whether `stream` and the legacy default stream of `device` still have work, asked right after a GPU body returned
  /// (the advisor's check for work launched off the task's stream). Both false where that cannot be asked.
  virtual StreamFacts stream_facts(int device, CUstream_st* stream) noexcept {
    (void)device;
    (void)stream;
    return {};
  }
  /// Calls `done` once every piece of work enqueued on `stream` so far has finished, from the progress thread;
  /// `done` receives the CUDA error that work hit (as a hetsched::CudaError), or null.
  virtual void when_done(int device, CUstream_st* stream, std::function<void(std::exception_ptr)> done) = 0;
};

/// Streams for GPUs 0..real_devices-1, completing tasks by `completion`; null when real_devices is 0 or the build has
/// no CUDA.
std::unique_ptr<GpuStreams> make_gpu_streams(int real_devices, GpuCompletion completion);

}  // namespace hetsched::detail
