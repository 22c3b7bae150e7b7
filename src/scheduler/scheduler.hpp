// Ready tasks wait here, one queue per scheduling class (same demand shape), until the ledger can take their demand.
// A class whose head does not fit never blocks another class. Each queue is ordered by priority (higher first),
// then arrival, and class heads are tried in that order too. Anti-starvation rule: a class head may be overtaken by
// at most `max_bypass` tasks behind it in that order; from then on no task behind it starts until it fits, except
// while a task blocked in get holds more than CPUs (it may wait for a task behind the head and hold what the head
// needs). Where a GPU task runs is its placement policy's decision (a value, over a snapshot the scheduler builds);
// the ledger then applies it. A policy may also commit a task to a busy device (Decision::commit): it then waits in
// that device's committed queue (committed_tasks.hpp), which is drained before the class queues whenever resources
// free. Thread-safe.
//
// Fast path: while nothing is queued, a CPU-only task takes its CPUs with one CAS and returns them with one atomic
// add, without the lock. Finishing (add CPUs, then read queued_) and queueing (raise queued_, then read the free
// CPUs) are seq_cst on both sides, so at least one of them sees the other and no queued task misses freed CPUs.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include <oneapi/tbb/spin_mutex.h>
#include <string>
#include <string_view>
#include <vector>

#include "model/perf_model.hpp"
#include "scheduler/committed_tasks.hpp"
#include "resources/ledger.hpp"
#include "scheduler/dispatcher.hpp"
#include "scheduler/policy.hpp"

namespace hetsched::detail {

class Scheduler {
 public:
  /// `policy` places the tasks whose Task::policy is 0; the others name one policy_index() resolved. A policy that
  /// uses the models reads its predictions from `models` (which the runtime feeds with the timed tasks' runs).
  Scheduler(ResourceLedger ledger, std::unique_ptr<Policy> policy, std::uint32_t max_bypass, Dispatcher& dispatcher,
            PerfModel& models);

  /// True when the policy at `index` (a Task::policy value) uses the models.
  bool uses_models(std::uint8_t index) const;
  /// The link bandwidths policies that use the models price transfers with.
  void set_links(const Bandwidths& links);

  /// The Task::policy value for the policy `name` (made on first use). Throws UsageError for an unknown name, listing
  /// the known ones, or when 255 distinct policies are in use already.
  std::uint8_t policy_index(std::string_view name);

  /// Throws ResourceError naming the resource when the totals can never satisfy `demand`.
  void check_feasible(const ResourceDemand& demand) const { ledger_.check_feasible(demand); }
  /// A task whose inputs are ready: dispatched now if it fits and nothing older is waiting for it, else queued.
  void enqueue(TaskPtr task);
  /// A task finished: its resources return and queued tasks that now fit are dispatched.
  void finished(Task& task);
  /// A GPU task's body has returned and its stream runs on: its CPUs go to queued tasks now, the rest of its demand
  /// when it finishes.
  void body_returned(Task& task);
  /// A running task blocks in get: its CPUs are lent to queued tasks.
  void lend_cpus(const Task& task);
  /// The blocked task resumes and takes its CPUs back.
  void reclaim_cpus(const Task& task);
  /// A running task blocked on a queued CPU-only `producer` needing no more CPUs than it holds lends it those CPUs:
  /// the producer leaves its queue ahead of older tasks, holds them and is claimed (stage running) for the waiting
  /// thread to run. False (nothing changed) otherwise; after a true, reclaim_cpus(waiting) ends the loan.
  bool hand_cpus_to(const Task& waiting, Task& producer);
  /// Removes a queued `task` from its queue, or from the device queue it is committed to (claimed: stage running,
  /// holding nothing), and returns it; null when it is not queued (it started, or has not arrived).
  TaskPtr take_queued(Task& task);
  /// Removes and returns every queued task, committed ones included (at shutdown).
  std::vector<TaskPtr> take_all_queued();

  /// Totals by resource name.
  std::map<std::string, double> totals() const;
  /// A copy of `task`'s demand and body count (list_tasks), read under the lock: placement rewrites them.
  std::pair<ResourceDemand, std::uint8_t> demand_of(const Task& task) const;
  /// Free amounts by resource name.
  std::map<std::string, double> available() const;

 private:
  /// One scheduling class: its tasks by priority (highest first), each level in arrival order. A level that empties
  /// stays, with its deque's memory, so a queue that keeps going from one task to none allocates nothing; empty
  /// levels are dropped only once more than `kept_levels` exist.
  struct ClassQueue {
    static constexpr std::size_t kept_levels = 8;
    ResourceDemand demand;                     ///< Its tasks' demand (a variants() task's CPU body's).
    std::optional<ResourceDemand> gpu_body;    ///< A variants() task's GPU body's demand; empty for one body.
    std::map<int, std::deque<TaskPtr>, std::greater<>> by_priority;
    std::size_t size = 0;  ///< Tasks in all levels.

    bool empty() const noexcept { return size == 0; }
    /// True when `task` belongs to this class (the same demand, body for body).
    bool holds(Task& task);
    /// The highest level's first task; only when not empty.
    TaskPtr& head() { return first_level()->second.front(); }
    void push(TaskPtr task);
    TaskPtr pop_head();
    /// The highest level holding a task; only when not empty.
    std::map<int, std::deque<TaskPtr>, std::greater<>>::iterator first_level();
    /// `level` lost a task: drops it if it is empty and the queue holds more than kept_levels levels.
    void took_from(std::map<int, std::deque<TaskPtr>, std::greater<>>::iterator level);
  };
  /// What placing a task came to.
  enum class Placement : std::uint8_t { taken, waits, never, committed };
  /// Tasks started under the lock and dispatched after it; a few fit inline, so the hot path never allocates.
  class StartedTasks {
   public:
    void push(TaskPtr task) {
      if (count_ < inline_.size()) {
        inline_[count_++] = std::move(task);
      } else {
        overflow_.push_back(std::move(task));
      }
    }
    void send_to(Dispatcher& dispatcher) {
      for (std::size_t i = 0; i < count_; ++i) dispatcher.dispatch(std::move(inline_[i]));
      for (auto& task : overflow_) dispatcher.dispatch(std::move(task));
    }

   private:
    std::array<TaskPtr, 4> inline_;
    std::size_t count_ = 0;
    std::vector<TaskPtr> overflow_;
  };
  /// Removes `task` from its class queue or committed queue if it waits there; null otherwise. Under the lock.
  TaskPtr remove_queued(Task& task);
  /// The class queue `task` goes to (made on first use).
  std::uint32_t class_of(Task& task);
  /// What the task's policy sees: its bodies, its buffers' replicas, what every device has free. Under the lock.
  Snapshot snapshot_of(Task& task, const ResourceDemand* gpu_body, std::uint32_t queued_behind);
  /// Adds the models' fields to `snapshot` (predictions per body, devices' predicted availability, links). Under the
  /// lock.
  void add_predictions(Task& task, Snapshot& snapshot);
  /// A task placed on predictions: its device's predicted availability moves by its predicted run time (and, on a
  /// GPU, by its inputs' copies there, priced over `snapshot`), and it is timed so its run teaches the models. Under
  /// the lock.
  void note_predicted_placement(Task& task, int variant, std::span<const int> devices, const Snapshot& snapshot);
  /// Times `task` (so that its run teaches the models) as the last snapshot's body `variant`. Under the lock.
  void note_timing(Task& task, int variant);
  /// What body `body` adds to the predicted availability of each of its devices (0: unknown). Under the lock.
  double busy_share_s(const VariantView& body) const;
  /// Its devices' predicted availability moves by `busy_s` (a GPU's by `copies_s` more), from `now`. Under the lock.
  void note_busy(bool on_gpu, std::span<const int> devices, double busy_s, double now, double copies_s = 0);
  /// Checks a Decision::commit of body `variant` to `devices` against the snapshot's limit and notes its target in
  /// pending_commit_ (committed), or refuses it (waits). Under the lock.
  Placement commit_to(Task& task, const Snapshot& snapshot, int variant, const std::vector<int>& devices,
                      bool predicted);
  /// `task` holds body `variant`'s demand on `devices`: it becomes that body. Under the lock.
  void take_body(Task& task, int variant, std::vector<int> devices);
  /// Starts every committed task whose device can take it now, each queue in its order. Under the lock.
  void start_committed(StartedTasks& started);
  /// `task`'s GPUs that are idle again are available now. Under the lock.
  void note_devices_freed(const Task& task);
  /// The models' prediction for a body, as fetched at most prediction_refresh_s ago (always fresh while the body
  /// calibrates). Under the lock.
  Prediction cached_prediction(std::uint32_t task, int variant, std::uint64_t input_bytes, double now);
  /// The PerfModel id of a task name (a few recent names are cached). Under the lock.
  std::uint32_t model_id(const std::string& name);
  /// Seconds on the scheduler's clock.
  double now_s() const;
  /// Asks the task's policy where it runs (`queued_behind`: tasks of its class behind it) and takes that.
  Placement try_place(Task& task, std::uint32_t queued_behind);
  /// try_place, turning "never" into a dispatched failure (taken). After committed, the caller moves the task to
  /// committed_ with pending_commit_.
  Placement start_now(Task& task, std::uint32_t queued_behind);
  void dispatch_ready(StartedTasks& started);
  void count_bypass(const Task& started);
  void dispatch_queued();

  mutable tbb::spin_mutex mutex_;  // held for tens of nanoseconds: spinning beats sleeping in the kernel
  ResourceLedger ledger_;
  std::vector<std::unique_ptr<Policy>> policies_;  // [0]: the runtime's; grows under the lock, never shrinks
  std::vector<InputView> inputs_;  // scratch for a snapshot, reused under the lock
  std::vector<VariantView> bodies_;  // same
  PerfModel& models_;
  Bandwidths links_;
  std::vector<GpuView> predicted_gpus_;     // scratch: the ledger's view plus each device's predicted availability
  std::vector<double> gpu_busy_until_;      // per GPU, on now_s()'s clock: when its predicted work is done
  double cpu_busy_until_ = 0;               // same for the CPUs as a pool
  std::uint64_t predicted_input_bytes_ = 0; // the last snapshot's, for note_predicted_placement
  std::uint32_t predicted_model_id_ = 0;    // same
  double predicted_at_ = 0;                 // same: when it was taken
  static constexpr std::uint32_t sample_all_below = 32;  // runs of a body recorded before sampling starts
  static constexpr std::uint32_t record_one_in = 8;      // then one run in this many is recorded
  std::uint32_t placed_since_sample_ = 0;                 // timed placements of well-known bodies (under mutex_)
  std::vector<std::pair<std::string, std::uint32_t>> model_ids_;  // recent names' PerfModel ids
  /// One prediction the scheduler keeps, per (task, variant, size bucket).
  struct CachedPrediction {
    std::uint32_t task;
    int variant;
    std::uint32_t bucket;
    Prediction prediction;
    double fetched_at;  // on now_s()'s clock; below 0: never
  };
  static constexpr double prediction_refresh_s = 1e-3;
  std::vector<CachedPrediction> predictions_;
  std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
  std::uint32_t max_bypass_;
  /// Tasks blocked in get that hold more than CPUs (a GPU share, a custom resource): lending their CPUs does not free
  /// what they hold, so while any exists no head is reserved (the task one of them waits for may be behind it, and
  /// the head may need what they hold).
  std::atomic<std::uint32_t> blocked_holders_{0};
  Dispatcher& dispatcher_;
  std::vector<ClassQueue> classes_;
  CommittedTasks committed_;           // tasks committed to a device; counted in queued_ too
  struct {
    int node = -1;
    int variant = 0;
    double busy_s = 0;
    double copies_s = 0;
  } pending_commit_;                   // the last Placement::committed's target, for its caller
  std::vector<ClassQueue*> order_;  // scratch for dispatch_ready, reused under the lock
  std::atomic<std::size_t> queued_{0};  // changed under the lock, read without it
  std::uint64_t next_sequence_ = 0;
};

}  // namespace hetsched::detail
