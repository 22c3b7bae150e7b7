// Runs dispatched tasks on oneTBB. Each dispatch pushes the task on a run queue and enqueues one token into the
// dispatch arena (concurrency = num_cpus); a token runs whichever queued task it pops first. A thread blocked in get
// may claim and run a queued task itself, so the run queue is where waiting threads help. Each task body runs
// inside a per-thread task_arena whose max_concurrency is the task's CPU share (ceil, at least 1).
#pragma once

#include <oneapi/tbb/concurrent_queue.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <memory>
#include <vector>

#include "exec/thread_budget.hpp"
#include "scheduler/dispatcher.hpp"

namespace hetsched::detail {

/// Runs one claimed task to completion (context, body, publication). Implemented by the runtime core.
class TaskRunner {
 public:
  virtual void run_claimed(Task& task) noexcept = 0;

 protected:
  ~TaskRunner() = default;
};

class CpuExecutor final : public Dispatcher {
 public:
  CpuExecutor(int slots, TaskRunner& runner);
  /// Waits until every token has run.
  ~CpuExecutor();

  void dispatch(TaskPtr task) override;
  /// Pops one unclaimed task and runs it on this thread; false when there was none.
  bool run_one_here();
  /// Runs `task` on this thread if it is dispatched and nobody has started it; false otherwise.
  bool run_here_if_unstarted(Task& task);

 private:
  /// The functor enqueued per dispatch: runs one queued task, then counts itself done.
  struct RunToken {
    CpuExecutor* executor;
    void operator()() const;
  };
  static bool claim(Task& task) noexcept;
  void run(Task& task);
  tbb::task_arena& arena_for(int concurrency);

  ThreadBudget budget_;
  TaskRunner& runner_;
  tbb::task_arena dispatch_arena_;
  tbb::concurrent_queue<Task*> run_queue_;  // each element owns one task reference
  std::atomic<std::int64_t> tokens_{0};
  tbb::enumerable_thread_specific<std::vector<std::unique_ptr<tbb::task_arena>>> task_arenas_;
};

}  // namespace hetsched::detail
