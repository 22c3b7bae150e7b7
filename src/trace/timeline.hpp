// The runtime's timeline (Runtime::timeline, HETSCHED_TIMELINE): while it records, each task run, buffer copy and
// eviction is kept as an event in a buffer of the thread that saw it, and at shutdown the events are written as one
// Chrome trace (trace/chrome_trace.hpp) that Perfetto opens. While it does not record, the hooks cost one relaxed
// load of a bool.
//
// Lanes: one per thread that ran CPU tasks ("CPU worker k"); per GPU, as many stream lanes as tasks ran on it at once
// ("GPU d stream k": each task placed there goes to the first one free when it starts, as each running task has a
// stream of its own; on a real GPU the event spans from its body's start to its stream's completion); one per GPU
// for the copies into it and its evictions ("GPU d copies"); and one for copies into host memory. Each task's event
// carries its name, demand, variant (for hetsched::variants tasks), input bytes and outcome; dependencies (ObjectRef
// arguments and the ordering of buffer uses) are flow arrows from the producer's event to the consumer's.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hetsched/detail/task.hpp"
#include "store/transfer_observer.hpp"

namespace hetsched::detail {

class Timeline final : public TransferObserver {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  /// Times in the trace count from now.
  Timeline();
  ~Timeline();
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;

  /// Starts recording (if it was not) and makes `path` the file written at shutdown (the last path given wins).
  void record_to(std::string path);
  /// True while recording (relaxed: the hooks' only cost when off).
  bool on() const noexcept { return on_.load(std::memory_order_relaxed); }
  /// Now while recording, else a zero time point: what a hook keeps to pass to task_ran.
  TimePoint stamp() const noexcept { return on() ? std::chrono::steady_clock::now() : TimePoint{}; }

  /// `task` ran on this thread from `start` until now, on memory node `node` (a GPU's number, or -1 for the host).
  void task_ran(Task& task, int node, TimePoint start, bool failed) noexcept;
  /// `task`, whose body started at `start` on GPU `device`, has been published (its stream's work is done).
  void gpu_task_done(Task& task, int device, TimePoint start, bool failed) noexcept;
  void copied(int from, int to, std::size_t bytes, TimePoint start, TimePoint end) noexcept override;
  void evicted(int device, std::size_t bytes, bool written_back, TimePoint at) noexcept override;

  /// The trace of everything recorded so far ({"traceEvents": [...]}).
  nlohmann::json to_json() const;
  /// Writes the trace to the path given to record_to, if any; a file that cannot be written is a warning on stderr.
  void write_at_shutdown() const noexcept;

 private:
  struct Event;
  struct ThreadEvents;
  /// This thread's buffer for this timeline, made on first use.
  ThreadEvents& mine();
  void add(Event event) noexcept;
  void add_task(Task& task, int lane, TimePoint start, TimePoint end, bool failed) noexcept;
  /// Moves each GPU task event from its GPU's first stream lane to the first one free when it starts.
  static void assign_stream_lanes(std::vector<Event>& events);

  const std::uint64_t id_;  // unique in the process: threads find their buffer by it
  const TimePoint origin_;
  std::atomic<bool> on_{false};
  mutable std::mutex mutex_;  // guards path_, threads_, next_cpu_lane_
  std::string path_;
  std::vector<std::unique_ptr<ThreadEvents>> threads_;
  int next_cpu_lane_ = 0;
};

}  // namespace hetsched::detail
