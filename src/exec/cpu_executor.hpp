// Runs dispatched tasks on oneTBB. A dispatch pushes the task on a run queue; up to num_cpus tokens, enqueued into
// the dispatch arena, drain that queue, and a new token is enqueued only when fewer than num_cpus are active, so a
// steady stream of tasks costs one queue push each, not one oneTBB enqueue (and worker wake-up) each. A thread
// blocked in get may claim a task it waits for and run it itself (run_here_if_unstarted). Each task body runs
// inside a per-thread task_arena whose max_concurrency is the task's CPU share (ceil, at least 1).
//
// A free CPU in the ledger must mean a thread can run a task there. A token thread that runs a zero-CPU body (an
// actor's call, a cpus(0) task) or blocks in get is "off CPU": while it is, a spare thread (outside
// oneTBB's capped pool) drains the run queue in its place, started only when work is queued.
#pragma once

#include <oneapi/tbb/concurrent_queue.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <memory>
#include <vector>

#include "exec/spare_threads.hpp"
#include "exec/thread_budget.hpp"
#include "scheduler/dispatcher.hpp"
#include "task/follow_up.hpp"

namespace hetsched::detail {

/// Runs one claimed task to completion (context, body, publication). Implemented by the runtime core.
class TaskRunner {
 public:
  /// Runs the task; may return a follow-up task (already claimed) for this thread when `follow_up` allows.
  virtual TaskPtr run_claimed(Task& task, FollowUp follow_up) noexcept = 0;

 protected:
  ~TaskRunner() = default;
};

class CpuExecutor final : public Dispatcher {
 public:
  CpuExecutor(int slots, TaskRunner& runner);
  /// Waits until every token has run.
  ~CpuExecutor();

  void dispatch(TaskPtr task) override;
  /// Runs `task` on this thread if it is dispatched and nobody has started it; false otherwise.
  bool run_here_if_unstarted(Task& task);
  /// Claims a dispatched task (stage dispatched to running) for the caller; false when someone else did. The run
  /// queue skips a claimed task.
  static bool claim(Task& task) noexcept;
  /// Runs a task this thread has already claimed (stage running) on this thread.
  void run_claimed_here(Task& task);
  /// This thread stops using its CPU slot (a zero-CPU body, a task blocked in get): a spare thread may take its
  /// place while work is queued. Paired with end_off_cpu.
  void begin_off_cpu() noexcept;
  /// This thread uses its CPU slot again.
  void end_off_cpu() noexcept;

 private:
  /// The functor enqueued into the dispatch arena: drains the run queue while there is work.
  struct RunToken {
    CpuExecutor* executor;
    void operator()() const;
  };
  TaskPtr pop_claimed();
  void run_queued();
  void run_with_follow_ups(Task& task, FollowUp follow_up);
  void start_token_if_idle_slot();
  bool reactivate_token();
  void start_spare_if_needed() noexcept;
  bool reactivate_spare() noexcept;
  void run_spare();
  void run(Task& task, FollowUp follow_up);
  tbb::task_arena& arena_for(int concurrency);

  ThreadBudget budget_;
  TaskRunner& runner_;
  tbb::task_arena dispatch_arena_;
  int slots_;
  tbb::concurrent_queue<Task*> run_queue_;  // each element owns one task reference
  std::atomic<std::int64_t> queued_{0};          // elements pushed and not yet popped
  std::atomic<int> active_tokens_{0};            // tokens draining the queue now (at most slots_)
  std::atomic<std::int64_t> tokens_{0};          // tokens enqueued and not yet finished
  std::atomic<int> off_cpu_{0};                  // threads running a task that uses no CPU slot now
  std::atomic<int> active_spares_{0};            // spare threads draining the queue now (at most off_cpu_)
  tbb::enumerable_thread_specific<std::vector<std::unique_ptr<tbb::task_arena>>> task_arenas_;
  SpareThreads spares_;  // last: joined first, while everything they use is still alive
};

}  // namespace hetsched::detail
