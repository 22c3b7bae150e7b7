// The runtime's performance models: per task name, the run-time history of each (variant, device kind) by input-size
// bucket (run_time_series.hpp: a median per bucket, a power-law fit where a bucket is thin), and the measured
// transfer bandwidths. The scheduler's `model` policy asks it for predictions; the executors record the runs (each
// run of a body until it has 32, then one in 8: Scheduler::note_timing).
//
// Thread-safety: every member may be called from any thread. Tasks are interned once into dense ids; each task's
// histories sit behind that task's own mutex, so record() and predict() take one short uncontended lock (runs of
// different tasks never share one) and find their task without any lock. Neither allocates once its (task, variant,
// kind, bucket) has been seen (the first sample of a new one allocates its slot).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "resources/bandwidths.hpp"
#include "model/device_kind.hpp"
#include "model/run_time_series.hpp"
#include "model/size_bucket.hpp"

namespace hetsched::detail {

/// What the model expects of one run.
struct Prediction {
  double seconds = -1;        ///< predicted run time; < 0 when nothing is known yet
  std::uint32_t samples = 0;  ///< runs recorded for the (task, variant, kind), over every size (saturates)
};

/// Run-time histories and bandwidths for one runtime, saved to and loaded from a model file. Thread-safe.
class PerfModel {
 public:
  /// A (task, variant, kind) is calibrated, and a bucket trusted on its own median, from this many samples: 3 is the
  /// fewest whose median a single outlier cannot move (a first run that loads a CUDA module or faults its pages in),
  /// and it keeps calibration short (StarPU's default of 10 runs means 10 runs per kind on a slower device).
  static constexpr std::uint32_t enough_samples = 3;
  /// The most distinct task names one model holds; intern throws beyond it.
  static constexpr std::uint32_t max_tasks = 1u << 16;

  PerfModel();
  ~PerfModel();
  PerfModel(const PerfModel&) = delete;
  PerfModel& operator=(const PerfModel&) = delete;

  /// The id of `task_name`, the same for the model's life (dense, from 0); a new name gets the next id. Takes a
  /// lock and may allocate: call it once per task function, not per call. Throws UsageError past max_tasks names.
  std::uint32_t intern(std::string_view task_name);
  /// The name `task` was interned from (empty for an id never returned by intern).
  std::string task_name(std::uint32_t task) const;
  /// Records that variant `variant` of `task` (an id from intern) ran on a device of `kind` with `input_bytes` of
  /// input and took `seconds`. A time that is negative or not finite is ignored; below 1 ns counts as 1 ns.
  void record(std::uint32_t task, int variant, DeviceKind kind, std::uint64_t input_bytes, double seconds);
  /// The predicted run time of that run (RunTimeSeries's rules) and how many samples are behind its (task, variant,
  /// kind); seconds < 0 when nothing is known, for instance for an id never returned by intern.
  Prediction predict(std::uint32_t task, int variant, DeviceKind kind, std::uint64_t input_bytes) const;

  /// The current bandwidths (all zero, measured false, until set or loaded).
  Bandwidths bandwidths() const;
  /// Replaces the bandwidths (for instance with measure_bandwidths()).
  void set_bandwidths(const Bandwidths& bandwidths);

  /// Loads the model file at `path`: its bandwidths replace these, and its histories replace those of every task it
  /// names (other tasks keep theirs; ids stay as they are). Returns false, changing nothing, when there is no file
  /// there (quietly: the runtime calls this on every start, and the first has none) and when the file cannot be used
  /// (corrupt, truncated, a field of the wrong type, another version): then `warn` is called once with a one-line
  /// message saying why. The file is checked whole before any of it is used.
  bool load(const std::string& path, const std::function<void(std::string_view)>& warn);
  /// Writes every task's histories and the bandwidths to `path` atomically (model_file.hpp). Throws UsageError naming
  /// the path when it cannot be written.
  void save(const std::string& path) const;

 private:
  struct Series {
    int variant;
    DeviceKind kind;
    RunTimeSeries history;
  };
  struct TaskModel {
    mutable std::mutex mutex;
    std::vector<Series> series;  // few: one per (variant, kind) that has run
  };
  static constexpr std::uint32_t chunk_size = 64;
  static constexpr std::uint32_t chunk_count = max_tasks / chunk_size;

  /// The task with id `task`, or null for an id not interned yet. Lock-free.
  TaskModel* find_task(std::uint32_t task) const noexcept;
  std::uint32_t intern_locked(std::string_view task_name);  // with names_mutex_ held

  mutable std::mutex names_mutex_;  // guards ids_, names_, owned_chunks_ and the growth of chunks_ and task_count_
  std::map<std::string, std::uint32_t, std::less<>> ids_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<TaskModel[]>> owned_chunks_;
  std::array<std::atomic<TaskModel*>, chunk_count> chunks_{};  // chunks_[id / chunk_size][id % chunk_size]
  std::atomic<std::uint32_t> task_count_{0};
  mutable std::mutex bandwidths_mutex_;
  Bandwidths bandwidths_;
};

}  // namespace hetsched::detail
