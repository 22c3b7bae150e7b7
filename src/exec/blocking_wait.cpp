// get and wait block here. In order: run the awaited producers on this thread when they have not started (no thread
// switch at all; a task blocked on a queued producer lends it the CPUs it holds), up to a bounded depth of tasks on
// one stack; spin briefly; then sleep on a waiter registered with the objects. A task that sleeps for longer than a
// poll interval lends its CPUs to the scheduler and its thread's slot to a spare thread (Ray starts a worker for a
// blocked one), so nested tasks never deadlock however few CPUs there are, and a deep recursion of gets continues on
// fresh threads instead of overflowing one stack. The waiting thread never runs unrelated tasks: one that waited for
// a task suspended beneath it on the same stack could never finish.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "exec/running_task.hpp"
#include "exec/task_owner.hpp"
#include "hetsched/detail/core_api.hpp"
#include "hetsched/error.hpp"
#include "task/task_state.hpp"

namespace hetsched::detail {
namespace {

constexpr auto spin_time = std::chrono::microseconds(20);
constexpr auto lend_after = std::chrono::milliseconds(1);
/// Producers run on a waiting thread's stack at most this many deep (each level is a user body plus a wait: a few KiB,
/// well inside oneTBB's 4 MiB worker stacks even under AddressSanitizer).
constexpr int max_inline_depth = 64;

/// Registered with every pending object; counts completions, so "are enough done" costs O(1), not a scan.
class Waiter final : public ObjectWaiter {
 public:
  Waiter(std::span<ObjectEntry* const> entries, std::size_t needed) : needed_(needed) {
    std::size_t done = 0;
    for (ObjectEntry* entry : entries) {
      if (entry->add_waiter(this)) {
        registered_.push_back(entry);
      } else {
        ++done;
      }
    }
    done_.fetch_add(done, std::memory_order_release);
  }
  ~Waiter() {
    for (ObjectEntry* entry : registered_) entry->remove_waiter(this);
  }
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  void object_completed() noexcept override {
    std::lock_guard lock(mutex_);
    if (done_.fetch_add(1, std::memory_order_release) + 1 >= needed_) wake_.notify_one();
  }
  /// True once enough objects are done.
  bool enough() const noexcept { return done_.load(std::memory_order_acquire) >= needed_; }
  /// Sleeps until enough() or `until`.
  void sleep_until(Clock::time_point until) {
    std::unique_lock lock(mutex_);
    wake_.wait_until(lock, until, [this] { return enough(); });
  }

 private:
  std::size_t needed_;
  std::atomic<std::size_t> done_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<ObjectEntry*> registered_;
};

/// Lends a blocked task's CPUs to the scheduler for the scope's life.
class LentCpus {
 public:
  explicit LentCpus(Task* task) : task_(task && state_of(*task).holds_resources ? task : nullptr) {
    if (task_) TaskOwner::of(*task_).scheduler().lend_cpus(*task_);
  }
  ~LentCpus() {
    if (task_) TaskOwner::of(*task_).scheduler().reclaim_cpus(*task_);
  }
  LentCpus(const LentCpus&) = delete;
  LentCpus& operator=(const LentCpus&) = delete;

 private:
  Task* task_;
};

/// Leaves this thread's CPU slot to a spare thread for the scope's life (a task blocked in get).
class OffCpu {
 public:
  explicit OffCpu(CpuExecutor& executor) noexcept : executor_(executor) { executor_.begin_off_cpu(); }
  ~OffCpu() { executor_.end_off_cpu(); }
  OffCpu(const OffCpu&) = delete;
  OffCpu& operator=(const OffCpu&) = delete;

 private:
  CpuExecutor& executor_;
};

/// Throws UsageError when waiting for `producer` could never end: it is the waiting task itself or a task blocked
/// beneath it on this thread, or a call of the same actor that cannot start before the waiting call returns.
void check_not_waiting_on_itself(const RunningFrame* running, const Task& producer) {
  for (const RunningFrame* frame = running; frame; frame = frame->outer) {
    if (frame->task != &producer) continue;
    if (frame == running) {
      throw UsageError("task '" + producer.name +
                       "' called get or wait on its own result, which cannot be ready before the task returns; "
                       "return the value instead of waiting for it");
    }
    throw UsageError("task '" + running->task->name + "' waits for task '" + producer.name +
                     "', which is suspended beneath it on the same thread, so neither can finish; a task must not "
                     "wait for a task that waits for it");
  }
  const Task& waiting = *running->task;
  if (waiting.role == TaskRole::actor_call && producer.role == TaskRole::actor_call &&
      waiting.actor == producer.actor && state_of(waiting).serial_actor_call &&
      state_of(producer).stage.load(std::memory_order_acquire) != TaskStage::running) {
    throw UsageError("an actor's call ('" + waiting.name +
                     "') waits for another call of the same actor, which cannot start before this one returns "
                     "(max_concurrency 1); call the method directly, or give the actor a higher max_concurrency");
  }
}

/// True when the blocked `waiting` holds CPUs it may lend to its queued `producer` (Scheduler::hand_cpus_to decides
/// whether the producer's demand fits them).
bool may_hand_cpus_to(const Task* waiting, const Task& producer) noexcept {
  // Only a plain task waits in the scheduler's queues (a queued actor call is in its mailbox, its demand not yet set).
  if (!waiting || producer.role != TaskRole::plain) return false;
  const TaskState& held = state_of(*waiting);
  return held.holds_resources && !held.cpus_returned && held.core == state_of(producer).core;
}

/// What a wait may do with a producer that has not started.
enum class RunPolicy { none, dispatched_only, dispatched_or_queued };

/// Runs `producer` on this thread if nobody has started it: a dispatched one as it is, a queued one (with
/// `dispatched_or_queued`) on CPUs the waiting task lends it.
void run_if_unstarted(const RunningFrame* running, Task& producer, RunPolicy policy) {
  TaskOwner& owner = TaskOwner::of(producer);  // the producer's runtime, whichever runtime was asked
  switch (state_of(producer).stage.load(std::memory_order_acquire)) {
    case TaskStage::dispatched:
      owner.executor().run_here_if_unstarted(producer);
      return;
    case TaskStage::queued:
      if (policy == RunPolicy::dispatched_or_queued && running && may_hand_cpus_to(running->task, producer)) {
        if (owner.scheduler().hand_cpus_to(*running->task, producer)) {
          owner.executor().run_claimed_here(producer);
          owner.scheduler().reclaim_cpus(*running->task);
        }
      }
      return;
    default:
      return;
  }
}

/// Checks every pending producer for a wait that could never end, and below the depth bound runs those not started
/// on this thread as `policy` allows. Returns how many objects are done.
std::size_t visit_producers(const RunningFrame* running, std::span<ObjectEntry* const> entries, RunPolicy policy) {
  if (running && running->depth >= max_inline_depth) policy = RunPolicy::none;
  std::size_t done = 0;
  for (ObjectEntry* entry : entries) {
    if (!entry->is_done()) {
      if (Task* producer = entry->acquire_producer()) {
        TaskPtr hold = TaskPtr::adopt(producer);
        if (running) check_not_waiting_on_itself(running, *producer);
        if (policy != RunPolicy::none) run_if_unstarted(running, *producer, policy);
      }
    }
    done += entry->is_done() ? 1 : 0;
  }
  return done;
}

std::size_t count_done(std::span<ObjectEntry* const> entries) {
  return static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(), [](const ObjectEntry* e) { return e->is_done(); }));
}

}  // namespace

bool wait_for_count(std::span<ObjectEntry* const> entries, std::size_t count,
                    std::optional<Clock::time_point> deadline, bool run_producers) {
  if (count == 0) return true;
  if (entries.size() == 1 ? entries[0]->is_done() : count_done(entries) >= count) return true;
  const RunningFrame* running = innermost_running();
  const RunPolicy first = run_producers ? RunPolicy::dispatched_or_queued : RunPolicy::none;
  if (visit_producers(running, entries, first) >= count) return true;

  Waiter waiter(entries, count);
  for (auto spin_end = Clock::now() + spin_time; Clock::now() < spin_end;) {
    if (waiter.enough()) return true;
    std::this_thread::yield();
  }
  const Clock::time_point final_deadline = deadline.value_or(Clock::time_point::max());
  if (!running) {
    waiter.sleep_until(final_deadline);
    return waiter.enough();
  }
  // A producer running on another thread usually finishes soon: give it a poll interval before lending the CPUs,
  // because every loan starts the oldest queued task on another thread, and a recursion that lent on every wait would
  // unfold breadth first into thousands of started, blocked tasks.
  waiter.sleep_until(std::min(final_deadline, Clock::now() + lend_after));
  if (waiter.enough()) return true;
  Task& current = *running->task;
  LentCpus lent(&current);
  OffCpu off(TaskOwner::of(current).executor());
  // The loan may have dispatched an awaited producer: it runs here rather than on a spare thread.
  if (run_producers && visit_producers(running, entries, RunPolicy::dispatched_only) >= count) return true;
  waiter.sleep_until(final_deadline);
  return waiter.enough();
}

}  // namespace hetsched::detail
