// A simulated GPU backend, so that CI (which has no GPU) runs the core's real-GPU paths: streams handed to bodies,
// copies enqueued on a task's stream, events, completion from a progress thread, a CPU share returned when the body
// returns, an actor's own stream. A device thread runs each stream's work in order, like a GPU, independently of the
// CPU threads; a step that cannot go on yet (an event not reached, a kernel waiting for others) is retried. Freeing
// memory that queued work still uses is recorded as a violation. Without its thread (hand_driven), the device runs
// nothing until a test drains a stream, so a test sees exactly what waits for what.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "exec/gpu_backend.hpp"
#include "hetsched/runtime.hpp"
#include "runtime_factory.hpp"

namespace hetsched::test {

/// Work on a simulated stream: returns false while it must wait (it is tried again later).
using DeviceStep = std::function<bool()>;

/// The device: streams, events and the thread that runs their work.
class SimulatedDevice {
 public:
  /// Tag for a device whose work runs only when a test drains a stream.
  struct HandDriven {};
  /// A device running its streams' work on a thread of its own.
  SimulatedDevice() : thread_([this] { run(); }) {}
  /// A device without a thread: drain() runs a stream's work, and host_wait drains the stream the event is on.
  explicit SimulatedDevice(HandDriven) {}
  ~SimulatedDevice() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  SimulatedDevice(const SimulatedDevice&) = delete;
  SimulatedDevice& operator=(const SimulatedDevice&) = delete;

  /// A new stream.
  CUstream_st* new_stream() {
    std::lock_guard lock(mutex_);
    streams_.push_back(std::make_unique<Queue>());
    return reinterpret_cast<CUstream_st*>(streams_.back().get());
  }

  /// Queues `step` on `stream`; `blocks` is the memory it uses.
  void enqueue(CUstream_st* stream, DeviceStep step, std::vector<const std::byte*> blocks = {}) {
    {
      std::lock_guard lock(mutex_);
      queue(stream).steps.push_back({std::move(step), std::move(blocks)});
    }
    wake_.notify_all();
  }

  /// A new event.
  CUevent_st* new_event() {
    std::lock_guard lock(mutex_);
    events_.push_back(std::make_unique<Event>());
    return reinterpret_cast<CUevent_st*>(events_.back().get());
  }

  /// Records `event` at the end of `stream`'s work so far.
  void record(CUstream_st* stream, CUevent_st* event) {
    Event& target = event_of(event);
    {
      std::lock_guard lock(mutex_);
      const std::uint64_t number = ++target.recorded;
      target.last_stream = &queue(stream);
      queue(stream).steps.push_back({[this, &target, number] {
                                       std::lock_guard reached_lock(mutex_);
                                       target.reached = std::max(target.reached, number);
                                       reached_.notify_all();
                                       return true;
                                     },
                                     {}});
    }
    wake_.notify_all();
  }

  /// Makes `stream`'s later work wait for the last record of `event`.
  void wait_on_stream(CUstream_st* stream, CUevent_st* event) {
    Event& target = event_of(event);
    std::lock_guard lock(mutex_);
    const std::uint64_t number = target.recorded;
    queue(stream).steps.push_back({[this, &target, number] {
                                     std::lock_guard reached_lock(mutex_);
                                     return target.reached >= number;
                                   },
                                   {}});
  }

  /// Blocks until the last record of `event` is reached (a hand-driven device drains the event's stream first);
  /// false when it had been reached already.
  bool host_wait(CUevent_st* event) {
    Event& target = event_of(event);
    std::unique_lock lock(mutex_);
    const std::uint64_t number = target.recorded;
    if (target.reached >= number) return false;
    if (!thread_.joinable()) {
      lock.unlock();
      drain(reinterpret_cast<CUstream_st*>(target.last_stream));
      lock.lock();
      if (target.reached < number) throw std::logic_error("host_wait on an event its stream cannot reach");
    }
    reached_.wait(lock, [&] { return target.reached >= number; });
    return true;
  }

  /// Runs `stream`'s queued work in order until none is left (true) or a step must wait (false). For a
  /// hand-driven device only.
  bool drain(CUstream_st* stream) {
    Queue& work = queue(stream);
    std::unique_lock lock(mutex_);
    while (!work.steps.empty()) {
      Step& step = work.steps.front();
      lock.unlock();
      const bool done = step.run();
      lock.lock();
      if (!done) return false;
      work.steps.pop_front();
    }
    return true;
  }

  /// True when `stream` has queued work.
  bool has_work(CUstream_st* stream) {
    std::lock_guard lock(mutex_);
    return !queue(stream).steps.empty();
  }

  /// True when queued (or running) work uses `block`.
  bool in_use(const std::byte* block) {
    std::lock_guard lock(mutex_);
    for (const auto& stream : streams_) {
      for (const Step& step : stream->steps) {
        if (std::find(step.blocks.begin(), step.blocks.end(), block) != step.blocks.end()) return true;
      }
    }
    return false;
  }

 private:
  struct Step {
    DeviceStep run;
    std::vector<const std::byte*> blocks;
  };
  struct Queue {
    std::deque<Step> steps;  // the front one runs without the lock: push_back keeps references to it valid
  };
  struct Event {
    std::uint64_t recorded = 0;
    std::uint64_t reached = 0;
    Queue* last_stream = nullptr;  // where it was last recorded
  };

  Queue& queue(CUstream_st* stream) { return *reinterpret_cast<Queue*>(stream); }
  static Event& event_of(CUevent_st* event) { return *reinterpret_cast<Event*>(event); }

  /// Like a GPU, promises no order between streams: each pass visits them in a random order and runs at most one
  /// step of each, so work on a later stream may well run before earlier-queued work on another.
  void run() {
    std::mt19937 random(12345);
    std::vector<std::size_t> order;
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      order.resize(streams_.size());
      std::iota(order.begin(), order.end(), std::size_t{0});
      std::shuffle(order.begin(), order.end(), random);
      bool progressed = false;
      for (std::size_t index : order) {
        Queue& stream = *streams_[index];
        if (stream.steps.empty()) continue;
        Step& step = stream.steps.front();
        lock.unlock();
        const bool done = step.run();
        lock.lock();
        if (!done) continue;
        stream.steps.pop_front();
        progressed = true;
      }
      // Steps waiting on something outside (another stream's kernel, the clock) are tried again soon.
      if (!progressed) wake_.wait_for(lock, std::chrono::microseconds(200));
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable reached_;
  std::vector<std::unique_ptr<Queue>> streams_;
  std::vector<std::unique_ptr<Event>> events_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above exists
};

/// Problems the simulated backend saw (memory freed while queued work used it, ...), one line each.
class Violations {
 public:
  void add(std::string what) {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(what));
  }
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

/// Device memory, copies and events on the simulated device, counting what the store asked of it.
class SimulatedGpuMemory final : public detail::MemorySystem {
 public:
  /// A copy on a stream takes `copy_time` of the device's time (other streams' work runs meanwhile).
  SimulatedGpuMemory(SimulatedDevice& device, Violations& violations,
                     std::chrono::microseconds copy_time = std::chrono::milliseconds(1))
      : device_(device), violations_(violations), copy_time_(copy_time) {}

  std::atomic<int> synchronous_copies{0};  ///< Copies done at once (to the host, write-backs).
  std::atomic<int> stream_waits{0};        ///< Streams made to wait for a replica's event.
  std::atomic<int> host_waits{0};          ///< Host waits for an event not yet reached.
  std::atomic<int> released_events{0};     ///< Replica events given back.

  std::byte* allocate_host(std::size_t bytes) override { return new std::byte[std::max<std::size_t>(bytes, 1)]; }
  void free_host(std::byte* memory, std::size_t) noexcept override { free_checked(memory); }
  std::byte* allocate_device(int, std::size_t bytes) override {
    return new std::byte[std::max<std::size_t>(bytes, 1)];
  }
  void free_device(int, std::byte* memory, std::size_t) noexcept override { free_checked(memory); }
  void copy(detail::MemoryNode, std::byte* target, detail::MemoryNode, const std::byte* source,
            std::size_t bytes) override {
    ++synchronous_copies;
    std::memcpy(target, source, bytes);
  }
  void copy_on_stream(int, std::byte* target, detail::MemoryNode, const std::byte* source, std::size_t bytes,
                      CUstream_st* stream, CUevent_st* source_ready, CUevent_st*& target_ready) override {
    if (source_ready) device_.wait_on_stream(stream, source_ready);
    device_.enqueue(stream,
                    [target, source, bytes, copy_time = copy_time_,
                     started = std::optional<std::chrono::steady_clock::time_point>()]() mutable {
                      // A copy takes time, like a copy engine's, without holding up other streams' work.
                      const auto now = std::chrono::steady_clock::now();
                      if (!started) started = now;
                      if (now - *started < copy_time) return false;
                      std::memcpy(target, source, bytes);
                      return true;
                    },
                    {target, source});
    if (!target_ready) target_ready = device_.new_event();
    device_.record(stream, target_ready);
  }
  void stream_wait(CUstream_st* stream, CUevent_st* ready) override {
    if (!ready) return;
    ++stream_waits;
    device_.wait_on_stream(stream, ready);
  }
  void host_wait(CUevent_st* ready) override {
    if (ready && device_.host_wait(ready)) ++host_waits;
  }
  void release_event(int, CUevent_st* ready) noexcept override {
    if (ready) ++released_events;  // the device owns its events
  }

 private:
  void free_checked(std::byte* memory) noexcept {
    try {
      if (device_.in_use(memory)) violations_.add("memory was freed while queued device work still used it");
    } catch (...) {
    }
    delete[] memory;
  }

  SimulatedDevice& device_;
  Violations& violations_;
  const std::chrono::microseconds copy_time_;
};

/// Streams and completion on the simulated device: completion runs on a progress thread of its own, as with CUDA.
class SimulatedGpuStreams final : public detail::GpuStreams {
 public:
  static constexpr int pool_size = 8;

  SimulatedGpuStreams(SimulatedDevice& device, int devices) : device_(device) {
    for (int stream = 0; stream < pool_size * devices; ++stream) pool_.push_back(device_.new_stream());
    progress_ = std::thread([this] { progress(); });
  }
  ~SimulatedGpuStreams() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    progress_.join();
  }

  /// Makes the next body that launches on this thread fail its launch (as cudaGetLastError would report it).
  static void fail_next_launch() { launch_failed() = true; }

  int make_current(int device) override { return std::exchange(current_device(), device); }
  void clear_launch_error() noexcept override { launch_failed() = false; }
  CUstream_st* pool_stream(int device) override {
    std::lock_guard lock(mutex_);
    return pool_[static_cast<std::size_t>(device * pool_size + next_++ % pool_size)];
  }
  CUstream_st* create_stream(int) override { return device_.new_stream(); }
  detail::StreamDestroyer destroyer() const noexcept override { return &forget_stream; }
  detail::DeviceSwitch device_switch() const noexcept override { return &switch_current; }
  std::exception_ptr take_launch_error() noexcept override {
    if (!std::exchange(launch_failed(), false)) return nullptr;
    return std::make_exception_ptr(std::runtime_error("simulated launch failure"));
  }
  void when_done(int, CUstream_st* stream, std::function<void(std::exception_ptr)> done) override {
    device_.enqueue(stream, [this, done = std::move(done)]() mutable {
      // Notified under the lock, as the CUDA host function does: once the progress thread has the task, the runtime
      // (and this object) may be destroyed.
      std::lock_guard lock(mutex_);
      finished_.push_back(std::move(done));
      wake_.notify_all();
      return true;
    });
  }

  /// The device current on this thread, as make_current set it.
  static int& current_device() {
    thread_local int device = -1;
    return device;
  }

 private:
  static bool& launch_failed() {
    thread_local bool failed = false;
    return failed;
  }
  static void forget_stream(int, CUstream_st*) noexcept {}  // the device owns its streams
  static int switch_current(int device) noexcept { return std::exchange(current_device(), device); }

  void progress() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || !finished_.empty(); });
      if (finished_.empty()) return;
      auto batch = std::move(finished_);
      finished_.clear();
      lock.unlock();
      for (auto& done : batch) done(nullptr);
      lock.lock();
    }
  }

  SimulatedDevice& device_;
  std::vector<CUstream_st*> pool_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::function<void(std::exception_ptr)>> finished_;
  std::size_t next_ = 0;
  bool stopping_ = false;
  std::thread progress_;
};

/// The simulated backend (with `devices` GPUs), for the Runtimes made by runtime(); it must outlive them.
class SimulatedGpus {
 public:
  explicit SimulatedGpus(int devices) {
    backend_.devices = devices;
    backend_.memory = [this](int) { return std::make_unique<SimulatedGpuMemory>(device, violations); };
    backend_.streams = [this](int count, detail::GpuCompletion) -> std::unique_ptr<detail::GpuStreams> {
      if (count == 0) return nullptr;
      return std::make_unique<SimulatedGpuStreams>(device, count);
    };
  }
  SimulatedGpus(const SimulatedGpus&) = delete;
  SimulatedGpus& operator=(const SimulatedGpus&) = delete;

  /// A Runtime started with `config` whose real GPUs are these simulated ones.
  hetsched::Runtime runtime(hetsched::Config config) const {
    return detail::make_runtime_with_backend(std::move(config), backend_);
  }

  /// Queues a "kernel" on a task's stream.
  void launch(CUstream_st* stream, DeviceStep kernel, std::vector<const std::byte*> blocks = {}) {
    device.enqueue(stream, std::move(kernel), std::move(blocks));
  }

  SimulatedDevice device;
  Violations violations;

 private:
  detail::GpuBackend backend_;
};

}  // namespace hetsched::test
