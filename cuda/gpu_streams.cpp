// Streams and completion for real GPUs. Each device has a pool of non-blocking streams: a task gets one with no work
// of another task in flight (so its copies, kernels and stream synchronisations never wait behind another task's),
// and the pool grows when every stream is busy.
// A task's completion is an event recorded after its work, and one progress thread per GpuStreams publishes the task
// once that event has passed, so no CPU thread is parked per GPU task. How the thread learns it
// (Config::gpu_completion):
//   - events: it polls the pending events, yielding between sweeps while tasks finish, then pausing 20 us between
//     sweeps, and sleeping when nothing is pending;
//   - host_functions: a cudaLaunchHostFunc after the event wakes it with the task's number, so it sleeps while work
//     runs. A host function never runs once its device's context is broken, so every millisecond the thread also
//     queries the pending events for errors, however often completions wake it (steady completions from a healthy
//     device must not keep a broken one's tasks pending). The few bytes a host function carries are kept until it
//     runs, or until this object goes when it never will.
//
// A sticky error (cudaErrorIllegalAddress, cudaErrorLaunchFailure, ...: any error after which the device's CUDA
// context is unusable) makes every later CUDA call on that device fail. The runtime does not reset the device, so
// from then on every task placed on it fails with the same CudaError. The progress thread reports that error to each
// task pending on the device and goes on serving the other devices; it neither stops nor spins on the dead one.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "cuda_errors.hpp"
#include "device_scope.hpp"
#include "event_pool.hpp"
#include "exec/gpu_streams.hpp"
#include "hetsched/cuda/cuda_check.hpp"

namespace hetsched::detail {
namespace {

/// Pool streams made per device at start; more are made when all of them are busy.
constexpr std::size_t initial_streams_per_device = 8;
/// Sweeps without a finished task after which the progress thread pauses between sweeps: a short kernel is noticed
/// at once, a long one does not cost a core.
constexpr int sweeps_before_pausing = 64;
/// The pause between sweeps once nothing has finished for a while; a new task cuts it short.
constexpr std::chrono::microseconds pause_between_sweeps{20};
/// With host functions, how often pending events are queried for errors (a broken context runs no host function).
constexpr std::chrono::milliseconds error_check_period{1};

/// `status` as a CudaError whose message starts with `what`.
std::exception_ptr cuda_failure(cudaError_t status, const char* what) noexcept {
  try {
    return std::make_exception_ptr(CudaError(
        status, std::string(what) + ": " + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")"));
  } catch (...) {
    return std::current_exception();
  }
}

/// Destroys a stream made by create_stream. cudaStreamDestroy returns at once and releases the stream when its
/// pending work has finished.
void destroy_stream(int device, CUstream_st* stream) noexcept {
  try {
    DeviceScope scope(device);
    clear_if_failed(cudaStreamDestroy(stream));
  } catch (...) {
    // The device could not be made current: its context, the stream included, is beyond repair.
  }
}

/// One task's completion being waited for.
struct Completion {
  /// Recorded after the task's work; null when it could not be recorded, and `failure` then says why.
  cudaEvent_t event = nullptr;
  int device = 0;
  /// The stream the task's work is on; a pool stream is free for another task once this completion is done.
  CUstream_st* stream = nullptr;
  std::function<void(std::exception_ptr)> done;
  std::exception_ptr failure;
  /// The number its host function signals (host_functions mode); 0 when it has none, and its event is polled.
  std::uint64_t signal = 0;
};

/// A pool stream and how many tasks it was handed to whose completion is not done yet (0 or 1, but for a task
/// that failed to ask for its completion).
struct PoolStream {
  cudaStream_t stream = nullptr;
  std::size_t in_flight = 0;
};

struct DeviceStreams {
  std::mutex mutex;
  /// Guarded by `mutex`; only grows, until release().
  std::vector<PoolStream> pool;
  /// Completion events ready for reuse.
  EventPool events;
};

class CudaGpuStreams final : public GpuStreams {
 public:
  CudaGpuStreams(int real_devices, GpuCompletion mode) : mode_(mode), devices_(static_cast<std::size_t>(real_devices)) {
    try {
      for (int device = 0; device < real_devices; ++device) {
        DeviceScope scope(device);
        DeviceStreams& state = device_state(device);
        for (std::size_t made = 0; made < initial_streams_per_device; ++made) {
          cudaStream_t stream = nullptr;
          HETSCHED_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
          state.pool.push_back({stream, 0});
        }
      }
      progress_thread_ = std::thread([this] { progress_loop(); });
    } catch (...) {
      release();
      throw;
    }
  }

  /// The caller has made sure no completion is pending; any that still is gets waited for and reported first.
  ~CudaGpuStreams() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    progress_thread_.join();
    // A task can finish before its host function has run (its event query failed), on a pool stream or on a GPU
    // actor's own stream, which may be destroyed already: every host function that can still run does so before
    // this object goes.
    if (mode_ == GpuCompletion::host_functions) wait_for_host_functions();
    release();
    // Host functions that never ran: their device's context broke, and runs nothing more.
    for (HostSignal* signal : unsignalled_) delete signal;
  }

  CudaGpuStreams(const CudaGpuStreams&) = delete;
  CudaGpuStreams& operator=(const CudaGpuStreams&) = delete;

  int make_current(int device) override {
    int previous = 0;
    HETSCHED_CUDA_CHECK(cudaGetDevice(&previous));
    if (previous != device) HETSCHED_CUDA_CHECK(cudaSetDevice(device));
    return previous;
  }

  void restore_device(int device) noexcept override { detail::restore_device(device); }

  void begin_body(LaunchErrorFrame& frame) noexcept override {
    const cudaError_t pending = cudaGetLastError();  // the interrupted body's, or stale: this body starts clean
    if (current_launch_frame != nullptr && current_launch_frame->status == 0) {
      current_launch_frame->status = static_cast<int>(pending);
    }
    frame.outer = current_launch_frame;
    current_launch_frame = &frame;
  }

  std::exception_ptr end_body(LaunchErrorFrame& frame) noexcept override {
    save_pending_launch_error();
    current_launch_frame = frame.outer;
    if (frame.status == 0) return nullptr;
    return cuda_failure(static_cast<cudaError_t>(frame.status), "a kernel launched by the task failed");
  }

  StreamFacts stream_facts(int device, CUstream_st* stream) noexcept override {
    // A query answers cudaErrorNotReady for pending work and sets no error for it; any other failure (a broken
    // context) says nothing about where the body's work went, so it counts as no work, and is cleared.
    auto busy = [](cudaStream_t queried) {
      const cudaError_t status = cudaStreamQuery(queried);
      if (status == cudaErrorNotReady) return true;
      clear_if_failed(status);
      return false;
    };
    StreamFacts facts;
    const int previous = make_device_current(device);
    if (previous < 0) return facts;
    facts.task_stream_busy = busy(stream);
    facts.default_stream_busy = busy(cudaStreamLegacy) || busy(cudaStreamPerThread);
    if (previous != device) detail::restore_device(previous);
    return facts;
  }

  CUstream_st* pool_stream(int device) override {
    DeviceStreams& state = device_state(device);
    {
      std::lock_guard lock(state.mutex);
      for (PoolStream& pooled : state.pool) {
        if (pooled.in_flight == 0) {
          pooled.in_flight = 1;
          return pooled.stream;
        }
      }
    }
    // Every stream has a task's work in flight: one more (made without the lock, it is a driver call).
    CUstream_st* stream = create_stream(device);
    try {
      std::lock_guard lock(state.mutex);
      state.pool.push_back({stream, 1});
    } catch (...) {
      destroy_stream(device, stream);
      throw;
    }
    return stream;
  }

  CUstream_st* create_stream(int device) override {
    DeviceScope scope(device);
    cudaStream_t stream = nullptr;
    HETSCHED_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    return stream;
  }

  StreamDestroyer destroyer() const noexcept override { return &destroy_stream; }

  DeviceSwitch device_switch() const noexcept override { return &make_device_current; }

  void when_done(int device, CUstream_st* stream, std::function<void(std::exception_ptr)> done) override {
    Completion completion{nullptr, device, stream, std::move(done), nullptr};
    try {
      // Events must be created on the device of the stream they are recorded on.
      DeviceScope scope(device);
      completion.event = device_state(device).events.take();
      const cudaError_t status = cudaEventRecord(completion.event, stream);
      if (!clear_if_failed(status)) {
        EventPool::destroy(completion.event);
        completion.event = nullptr;
        completion.failure = cuda_failure(status, "the GPU work of the task failed");
      }
    } catch (...) {
      // The device is broken (a sticky error from earlier work): the task fails with that error, reported like any
      // other completion so `done` always runs on the progress thread.
      completion.failure = std::current_exception();
    }
    if (mode_ == GpuCompletion::host_functions && completion.event != nullptr) {
      completion.signal = launch_signal(device, stream);
    }
    {
      std::lock_guard lock(mutex_);
      incoming_.push_back(std::move(completion));
    }
    wake_.notify_one();
  }

 private:
  DeviceStreams& device_state(int device) noexcept { return devices_[static_cast<std::size_t>(device)]; }

  /// What a host function carries; it deletes it when it runs.
  struct HostSignal {
    CudaGpuStreams* streams;
    std::uint64_t number;
    int device;
  };

  /// Enqueues on `stream` a host function that signals a new number, and returns the number; 0 when it could not be
  /// enqueued (the completion's event is polled instead).
  std::uint64_t launch_signal(int device, CUstream_st* stream) noexcept {
    const std::uint64_t number = next_signal_.fetch_add(1, std::memory_order_relaxed);
    auto* signal = new (std::nothrow) HostSignal{this, number, device};
    if (signal == nullptr) return 0;
    try {
      {
        std::lock_guard lock(mutex_);
        unsignalled_.insert(signal);
      }
      DeviceScope scope(device);
      // Not signal->number: the host function may already have run, and deleted it, when the launch returns.
      if (clear_if_failed(cudaLaunchHostFunc(stream, &on_host_function, signal))) return number;
    } catch (...) {
      // The device is broken (or no room to keep the signal): poll the event, which reports any error.
    }
    std::lock_guard lock(mutex_);
    unsignalled_.erase(signal);
    delete signal;
    return 0;
  }

  /// Runs on a CUDA runtime thread once the stream has reached it; it must not call CUDA.
  static void CUDART_CB on_host_function(void* data) {
    auto* signal = static_cast<HostSignal*>(data);
    CudaGpuStreams& streams = *signal->streams;
    // Notified under the lock: once the progress thread has seen the number, the task may finish and the runtime be
    // destroyed, so nothing here may touch `streams` after unlocking.
    std::lock_guard lock(streams.mutex_);
    streams.unsignalled_.erase(signal);
    streams.signalled_.push_back(signal->number);
    delete signal;
    streams.wake_.notify_one();
  }

  /// The progress thread. It owns `polling` (no lock needed to query it) and takes the mutex only to collect new
  /// completions and signals; `done` runs with no lock held, so it may call back into this object. A `done` that
  /// throws ends the process (nothing could publish its task any more).
  void progress_loop() {
    std::vector<Completion> polling;
    std::vector<Completion> finished;
    std::unordered_set<std::uint64_t> signals;  // host functions that ran, whose completion may not have arrived yet
    int sweeps_without_progress = 0;
    auto next_error_check = std::chrono::steady_clock::now() + error_check_period;
    for (;;) {
      bool check_errors = false;
      {
        std::unique_lock lock(mutex_);
        if (polling.empty()) {
          // Idle: sleep until a completion arrives; stop only once none is left.
          wake_.wait(lock, [this] { return stopping_ || !incoming_.empty(); });
          if (incoming_.empty()) return;
          sweeps_without_progress = 0;
        } else if (mode_ == GpuCompletion::host_functions) {
          wake_.wait_until(lock, next_error_check, [this] { return !incoming_.empty() || !signalled_.empty(); });
          const auto now = std::chrono::steady_clock::now();
          if (now >= next_error_check) {
            check_errors = true;
            next_error_check = now + error_check_period;
          }
        } else if (sweeps_without_progress >= sweeps_before_pausing) {
          wake_.wait_for(lock, pause_between_sweeps, [this] { return !incoming_.empty(); });
        }
        for (Completion& arrived : incoming_) polling.push_back(std::move(arrived));
        incoming_.clear();
        signals.insert(signalled_.begin(), signalled_.end());
        signalled_.clear();
      }
      sweep(polling, finished, signals, check_errors);
      for (Completion& completion : finished) {
        release_pool_stream(completion.device, completion.stream);  // before done: its next task may take it
        completion.done(std::move(completion.failure));
      }
      const bool progressed = !finished.empty();
      finished.clear();
      if (progressed) {
        sweeps_without_progress = 0;
      } else if (sweeps_without_progress < sweeps_before_pausing) {
        ++sweeps_without_progress;
        if (mode_ == GpuCompletion::events) std::this_thread::yield();
      }
    }
  }

  /// Moves every completion whose work has finished (or failed) from `polling` to `finished`. A completion with a
  /// host function finishes when its signal has come; its event is queried only when `check_errors`, and only a
  /// failure counts then (a success still waits for the signal, so that each signal is matched exactly once).
  void sweep(std::vector<Completion>& polling, std::vector<Completion>& finished,
             std::unordered_set<std::uint64_t>& signals, bool check_errors) {
    std::size_t kept = 0;
    for (std::size_t index = 0; index < polling.size(); ++index) {
      Completion& completion = polling[index];
      if (completion.event != nullptr) {
        cudaError_t status = cudaErrorNotReady;
        if (completion.signal != 0 && signals.erase(completion.signal) != 0) {
          status = cudaSuccess;  // the host function runs only after the event's work has finished
        } else if (completion.signal == 0 || check_errors) {
          // cudaEventQuery works whatever device is current, so this thread never switches devices.
          status = cudaEventQuery(completion.event);
          if (status == cudaSuccess && completion.signal != 0) status = cudaErrorNotReady;
        }
        if (status == cudaErrorNotReady) {
          if (kept != index) polling[kept] = std::move(completion);
          ++kept;
          continue;
        }
        if (status == cudaSuccess) {
          device_state(completion.device).events.give_back(completion.event);
        } else {
          clear_if_failed(status);
          EventPool::destroy(completion.event);
          completion.failure = cuda_failure(status, "the GPU work of the task failed");
        }
      }
      finished.push_back(std::move(completion));
    }
    polling.erase(polling.begin() + static_cast<std::ptrdiff_t>(kept), polling.end());
  }

  /// Makes a pool stream free for another task (a GPU actor's own stream is not in the pool).
  void release_pool_stream(int device, CUstream_st* stream) noexcept {
    DeviceStreams& state = device_state(device);
    std::lock_guard lock(state.mutex);
    for (PoolStream& pooled : state.pool) {
      if (pooled.stream == stream && pooled.in_flight > 0) --pooled.in_flight;
    }
  }

  /// Waits until every host function launched has run, but those on a device whose context broke, which never will
  /// (they stay in unsignalled_). Checked again every error_check_period, as a device may break meanwhile.
  void wait_for_host_functions() noexcept {
    std::unique_lock lock(mutex_);
    while (!unsignalled_.empty()) {
      std::vector<int> pending_on;
      for (const HostSignal* signal : unsignalled_) pending_on.push_back(signal->device);
      lock.unlock();
      const bool any_may_run =
          std::any_of(pending_on.begin(), pending_on.end(), [](int device) { return !broken(device); });
      lock.lock();
      if (!any_may_run) return;
      wake_.wait_for(lock, error_check_period);  // a host function that runs wakes this thread
    }
  }

  /// Whether `device`'s context is broken (a sticky error: every call on it fails, and it runs nothing more).
  static bool broken(int device) noexcept {
    try {
      DeviceScope scope(device);
      const cudaError_t status = cudaStreamQuery(nullptr);
      if (status == cudaSuccess || status == cudaErrorNotReady) return false;
      clear_if_failed(status);
      return true;
    } catch (...) {
      return true;  // it could not even be made current
    }
  }

  /// Destroys every event and pool stream; runs once the progress thread has stopped (or never started).
  void release() noexcept {
    for (std::size_t index = 0; index < devices_.size(); ++index) {
      DeviceStreams& state = devices_[index];
      try {
        DeviceScope scope(static_cast<int>(index));
        state.events.destroy_all();
        std::lock_guard lock(state.mutex);
        for (const PoolStream& pooled : state.pool) clear_if_failed(cudaStreamDestroy(pooled.stream));
      } catch (...) {
        // The device could not be made current: its context, streams and events included, is beyond repair.
      }
      std::lock_guard lock(state.mutex);
      state.pool.clear();
    }
  }

  const GpuCompletion mode_;
  std::vector<DeviceStreams> devices_;
  std::atomic<std::uint64_t> next_signal_{1};
  std::mutex mutex_;
  std::condition_variable wake_;
  /// Completions handed over by when_done and not yet taken by the progress thread; guarded by mutex_.
  std::vector<Completion> incoming_;
  /// Numbers of host functions that ran and were not yet taken by the progress thread; guarded by mutex_.
  std::vector<std::uint64_t> signalled_;
  /// What host functions launched and not yet run carry; guarded by mutex_.
  std::unordered_set<HostSignal*> unsignalled_;
  /// Set by the destructor; guarded by mutex_.
  bool stopping_ = false;
  std::thread progress_thread_;
};

}  // namespace

std::unique_ptr<GpuStreams> make_gpu_streams(int real_devices, GpuCompletion completion) {
  if (real_devices == 0) return nullptr;
  return std::make_unique<CudaGpuStreams>(real_devices, completion);
}

}  // namespace hetsched::detail
