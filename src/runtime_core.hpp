// The compiled runtime behind hetsched::Runtime: it owns the ledger and scheduler, the executor and the object
// accounting, and follows each task from submission to publication.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actor/actor_host.hpp"
#include "advice/advisor.hpp"
#include "config_resolution.hpp"
#include "exec/cpu_executor.hpp"
#include "exec/gpu_task_runner.hpp"
#include "actor/actor_state.hpp"
#include "hetsched/config.hpp"
#include "hetsched/hardware.hpp"
#include "hetsched/introspection.hpp"
#include "model/perf_model.hpp"
#include "progress_reporter.hpp"
#include "scheduler/scheduler.hpp"
#include "store/accounting.hpp"
#include "store/buffer_store.hpp"
#include "task/task_state.hpp"
#include "trace/timeline.hpp"

namespace hetsched {
class Runtime;
}

namespace hetsched::detail {

class RuntimeCore final : public TaskRunner, public TaskCompletion, public ActorHost {
 public:
  /// A core whose real GPUs are those hardware detection found (through the CUDA runtime this build links).
  RuntimeCore(Runtime& owner, const Config& config);
  /// Cancels what has not started, waits for what runs.
  ~RuntimeCore();

  /// See submit_task in core_api.hpp.
  void submit(TaskPtr task);
  /// See publish_put in core_api.hpp.
  void publish_put(ObjectEntry& entry, std::size_t bytes);
  /// Called when the last input of a task completed.
  void inputs_resolved(TaskPtr task) noexcept;
  TaskPtr run_claimed(Task& task, FollowUp follow_up) noexcept override;
  /// Publishes `failure` for a task that never started (a dead actor's queued call).
  void fail_unstarted(Task& task, std::exception_ptr failure) noexcept override;

  /// See placement_policy_index in core_api.hpp: a policy that uses the models gets the links measured first.
  std::uint8_t policy_index(std::string_view name);
  /// The runtime's performance models.
  PerfModel& models() noexcept { return models_; }

  /// See Runtime::cancel: cancels the task producing `entry` when it is this runtime's and unfinished.
  bool cancel(ObjectEntry& entry, bool recursive);
  /// Tasks submitted and not yet published.
  std::int64_t in_flight() const noexcept { return live_tasks_.load(std::memory_order_relaxed); }
  /// The advisor (advice.hpp); its hooks may be called only when advisor().on().
  Advisor& advisor() noexcept { return advisor_; }
  /// Tasks run again after a failure (max_retries).
  std::uint64_t retries() const noexcept { return retries_.load(std::memory_order_relaxed); }

  // Observability (src/runtime_listing.cpp).
  /// See Runtime::timeline: records from now on and writes the trace to `path` at shutdown.
  void record_timeline(std::string path);
  /// See Runtime::counters.
  RuntimeCounters counters() const;
  /// See Runtime::list_tasks.
  std::vector<TaskInfo> list_tasks() const;
  /// See Runtime::list_objects.
  std::vector<ObjectInfo> list_objects() const;
  /// See Runtime::list_actors.
  std::vector<ActorInfo> list_actors();
  /// The runtime's timeline (recording or not).
  const Timeline& timeline() const noexcept { return timeline_; }

  /// See create_actor in core_api.hpp.
  ActorRef create_actor(std::string name, const std::type_info& type, int max_concurrency);
  /// See find_actor in core_api.hpp.
  ActorRef find_actor(const std::string& name, const std::type_info& type);
  /// Forgets an actor (it is dead or being destroyed).
  void unregister_actor(ActorState& actor) noexcept override;
  void count_actor_restart() noexcept override { actor_restarts_.fetch_add(1, std::memory_order_relaxed); }
  /// Actor restarts begun (ActorBuilder::max_restarts).
  std::uint64_t actor_restarts() const noexcept { return actor_restarts_.load(std::memory_order_relaxed); }

  /// The runtime a submitted task belongs to.
  static RuntimeCore& of(const Task& task) noexcept { return static_cast<RuntimeCore&>(*state_of(task).core); }
  /// The runtime an actor lives in.
  static RuntimeCore& of(ActorHost& host) noexcept { return static_cast<RuntimeCore&>(host); }

  /// The task this thread is running for this runtime, or null.
  Task* current_task() const noexcept;

  /// When this thread runs one of this runtime's tasks (the Runtime is being destroyed from inside it), makes that
  /// task fail with a UsageError saying so, and returns true: the destructor must not wait for it.
  bool fail_task_destroying_it() noexcept;

  /// The Runtime that owns this core (what TaskContext::runtime() returns).
  Runtime& owner() const noexcept { return *owner_.load(std::memory_order_acquire); }
  /// Another Runtime object owns this core from now on.
  void rehome(Runtime& shell) noexcept { owner_.store(&shell, std::memory_order_release); }

  Scheduler& scheduler() noexcept override { return scheduler_; }
  CpuExecutor& executor() noexcept override { return executor_; }
  const HardwareInfo& hardware() const noexcept { return hardware_; }
  const ResolvedConfig& config() const noexcept { return config_; }
  const StoreAccounting& accounting() const noexcept { return *accounting_.get(); }
  BufferStore& buffer_store() noexcept { return *buffers_; }

 private:
  void register_object(ObjectEntry& entry);
  /// Throws ResourceError when the task can never run here; drops a variants() body that never could (warning once).
  void check_feasible(Task& task);
  /// Prints `message` on stderr the first time `topic` comes up in this runtime.
  void warn_once(const std::string& topic, const std::string& message);
  TaskPtr publish(Task& task, std::exception_ptr failure, std::size_t bytes, Started started,
                  FollowUp follow_up) noexcept;
  TaskPtr task_done(Task& task, std::exception_ptr failure, std::size_t bytes, FollowUp follow_up) noexcept override;
  void body_returned(Task& task) noexcept override;
  void kill_every_actor();
  /// Loads the model file (Config::perf_model_path), warning once when it cannot be used.
  void load_models();
  /// Measures the links for the policies that use the models, unless the models already have this machine's.
  void measure_links_once();
  std::exception_ptr cancellation(const Task& task) const;
  /// The failure of a task Runtime::cancel reached (before or while it ran).
  std::exception_ptr cancelled_by_user(const Task& task) const;
  /// Marks `task` cancelled (`how`: requested or recursive) and, when it has not started, fails it now; false when it
  /// was published already. A recursive cancel goes on to the tasks it submitted.
  bool cancel_task(Task& task, CancelState how);
  /// Marks one task and fails it now if it has not started; false when it was published already. The caller holds a
  /// reference to it (the inputs' waiter lists or the executor's queue drop theirs when they find it claimed).
  bool cancel_one(Task& task, CancelState how);
  /// `child` was submitted from the body of `parent` (kept for a recursive cancel).
  void note_child(Task& parent, Task& child);
  /// Forgets the children noted for `parent` (it is being published).
  void forget_children(Task& parent) noexcept;
  /// When `failure` may be retried (should_retry), puts the task back in its queue and returns true.
  bool retry(Task& task, const std::exception_ptr& failure) noexcept;
  /// Starts what HETSCHED_TIMELINE and HETSCHED_PROGRESS ask for.
  void start_observing();
  /// Writes the timeline, if one was asked for, and stops feeding it (at shutdown, once no task runs).
  void finish_observing() noexcept;
  /// A real-GPU task whose run the timeline stamped is published: its event goes in.
  void note_gpu_run(Task& task, bool failed) noexcept;
  /// The live tasks (submitted, not published), held: the producers of the pending objects in the store.
  std::vector<TaskPtr> live_tasks() const;

  std::atomic<Runtime*> owner_;  // the shell, once the Runtime was destroyed from inside a task (see rehome)
  HardwareInfo hardware_;
  ResolvedConfig config_;
  Advisor advisor_;  // before the parts that report to it
  AccountingHold accounting_;  // objects may keep the counters longer than the Runtime
  std::atomic<bool> shutting_down_{false};
  std::atomic<std::int64_t> live_tasks_{0};
  std::atomic<std::uint64_t> submitted_{0};  // next to live_tasks_, whose cache line the submitting thread has then
  std::atomic<std::uint64_t> failed_{0};     // tasks published with a failure
  std::atomic<std::uint64_t> retries_{0};
  std::atomic<std::uint64_t> actor_restarts_{0};
  Timeline timeline_;
  std::mutex children_mutex_;
  std::unordered_map<Task*, std::deque<TaskPtr>> children_;  // tasks submitted from running tasks (note_child)
  std::mutex warned_mutex_;
  std::unordered_set<std::string> warned_;  // topics warn_once has printed
  std::mutex actors_mutex_;
  std::unordered_map<std::uint64_t, ActorState*> actors_;  // live actors (weak: they unregister themselves)
  std::unordered_map<std::string, ActorState*> named_actors_;
  BufferStorePtr buffers_;
  PerfModel models_;  // before the scheduler, which reads it
  std::once_flag links_measured_;
  // Declaration order matters: the scheduler dispatches to the executor; the executor is destroyed first, the GPU
  // runner (whose streams' progress thread publishes tasks) after both.
  std::unique_ptr<GpuTaskRunner> gpu_;  // runs tasks on the real GPUs (0..n-1); the rest are logical
  Scheduler scheduler_;
  CpuExecutor executor_;
  std::unique_ptr<ProgressReporter> progress_;  // last: stopped first, while everything it reads still exists
};

}  // namespace hetsched::detail
