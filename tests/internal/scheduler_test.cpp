// The scheduler on its own: class queues, the capacity bounds, the bypass limit, and its lock under concurrent
// enqueue/finish. A RecordingDispatcher makes every bound exact: what fits is dispatched inside enqueue/finished.
#include "scheduler/scheduler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <atomic>
#include <mutex>
#include <string>
#include <vector>
#include <thread>

#include "hetsched/error.hpp"
#include "task/task_state.hpp"
#include "test_task.hpp"

namespace hetsched::detail {
namespace {

using test::make_task;

/// The devices the scheduler assigned to `task`.
std::vector<int> gpus_of(const Task& task) {
  std::span<const int> ids = state_of(task).gpu_ids();
  return {ids.begin(), ids.end()};
}

/// Records dispatched tasks instead of running them.
class RecordingDispatcher final : public Dispatcher {
 public:
  void dispatch(TaskPtr task) override {
    std::lock_guard lock(mutex);
    started.push_back(std::move(task));
  }
  std::vector<std::string> names() {
    std::lock_guard lock(mutex);
    std::vector<std::string> result;
    for (auto& task : started) result.push_back(task->name);
    return result;
  }
  std::mutex mutex;
  std::vector<TaskPtr> started;
};

/// Models no test here consults (pack does not use them).
PerfModel& unused_models() {
  static PerfModel models;
  return models;
}

Scheduler make_scheduler(Dispatcher& dispatcher, int cpus, int gpus = 0, std::uint32_t max_bypass = 64) {
  return Scheduler(ResourceLedger(std::int64_t{cpus} * units_per_resource, gpus, {}), make_pack_policy(),
                   max_bypass, dispatcher, unused_models());
}

TEST(Scheduler, DispatchesWhatFitsAndQueuesTheRest) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_scheduler(dispatcher, 2);
  scheduler.enqueue(make_task(1, 0, "a"));
  scheduler.enqueue(make_task(1, 0, "b"));
  scheduler.enqueue(make_task(1, 0, "c"));
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(scheduler.available().at("CPU"), 0.0);
  scheduler.finished(*dispatcher.started[0]);
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(Scheduler, WaitingLargeDemandDoesNotBlockSmallOnesThatFit) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_scheduler(dispatcher, 2);
  scheduler.enqueue(make_task(1, 0, "small-1"));
  scheduler.enqueue(make_task(2, 0, "large"));  // cannot fit while small-1 runs
  scheduler.enqueue(make_task(1, 0, "small-2"));
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"small-1", "small-2"}));
}

TEST(Scheduler, LargeDemandIsNotStarvedPastTheBypassLimit) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_scheduler(dispatcher, 2, 0, /*max_bypass=*/2);
  scheduler.enqueue(make_task(1, 0, "s0"));
  scheduler.enqueue(make_task(2, 0, "large"));
  // A stream of small tasks: each one that starts while "large" waits overtakes it.
  for (int i = 1; i <= 6; ++i) scheduler.enqueue(make_task(1, 0, "s" + std::to_string(i)));
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"s0", "s1"}));  // s1 overtakes once
  scheduler.finished(*dispatcher.started[0]);                              // s2 overtakes twice: limit reached
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"s0", "s1", "s2"}));
  scheduler.finished(*dispatcher.started[1]);  // one CPU free: large does not fit, and nothing younger may start
  EXPECT_EQ(dispatcher.names().size(), 3u);
  scheduler.finished(*dispatcher.started[2]);  // both free: large starts before any younger task
  EXPECT_EQ(dispatcher.names().back(), "large");
}

TEST(Scheduler, FractionalGpuDemandsPackOntoOneDeviceFirst) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_scheduler(dispatcher, 8, 2);
  for (int i = 0; i < 3; ++i) scheduler.enqueue(make_task(0, 0.3333));
  scheduler.enqueue(make_task(0, 0.5));
  ASSERT_EQ(dispatcher.started.size(), 4u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(gpus_of(*dispatcher.started[i]), std::vector<int>{0});
  EXPECT_EQ(gpus_of(*dispatcher.started[3]), std::vector<int>{1});  // 0.0001 left on device 0
}

TEST(Scheduler, ThreeSharesSlightlyAboveAThirdNeverRunOnOneGpuAtOnce) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_scheduler(dispatcher, 8, 1);
  for (int i = 0; i < 4; ++i) scheduler.enqueue(make_task(0, 0.3334, "share-" + std::to_string(i)));
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"share-0", "share-1"}));
  EXPECT_EQ(scheduler.available().at("GPU"), 0.3332);
  scheduler.finished(*dispatcher.started[0]);
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"share-0", "share-1", "share-2"}));
}

TEST(Scheduler, TasksWaitForGpuMemoryEvenWhenTheirGpuShareFits) {
  RecordingDispatcher dispatcher;
  Scheduler scheduler(ResourceLedger(8 * units_per_resource, 1, {}, {1000}), make_pack_policy(), 64, dispatcher,
                      unused_models());
  for (int i = 0; i < 3; ++i) {
    TaskPtr task = make_task(0, 0.25, "task-" + std::to_string(i));
    task->demand.gpu_memory = 600;
    scheduler.enqueue(std::move(task));
  }
  EXPECT_EQ(dispatcher.names(), std::vector<std::string>{"task-0"}) << "4 fit by GPU share, only 1 by memory";
  scheduler.finished(*dispatcher.started[0]);
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"task-0", "task-1"}));
}

TEST(Scheduler, WholeGpuDemandTakesDistinctFreeDevices) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_scheduler(dispatcher, 8, 3);
  scheduler.enqueue(make_task(0, 0.5));
  scheduler.enqueue(make_task(0, 2));
  ASSERT_EQ(dispatcher.started.size(), 2u);
  EXPECT_EQ(gpus_of(*dispatcher.started[1]), (std::vector<int>{1, 2}));
  scheduler.enqueue(make_task(0, 1));  // no whole device left
  EXPECT_EQ(dispatcher.started.size(), 2u);
}

TEST(Scheduler, LentCpusLetQueuedTasksStartAndComeBack) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_scheduler(dispatcher, 1);
  scheduler.enqueue(make_task(1, 0, "parent"));
  scheduler.enqueue(make_task(1, 0, "child"));
  EXPECT_EQ(dispatcher.names().size(), 1u);
  scheduler.lend_cpus(*dispatcher.started[0]);
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"parent", "child"}));
  scheduler.reclaim_cpus(*dispatcher.started[0]);
  scheduler.finished(*dispatcher.started[1]);
  scheduler.finished(*dispatcher.started[0]);
  EXPECT_EQ(scheduler.available().at("CPU"), 1.0);
}


TEST(Scheduler, AGpuTaskWhoseBodyReturnedFreesItsCpusButKeepsItsGpuUntilFinished) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_scheduler(dispatcher, 1, 1);
  scheduler.enqueue(make_task(1, 0.5, "gpu-a"));
  scheduler.enqueue(make_task(1, 0.5, "gpu-b"));  // a GPU half is free, the CPU is not
  scheduler.enqueue(make_task(1, 1, "gpu-whole"));
  ASSERT_EQ(dispatcher.names(), std::vector<std::string>{"gpu-a"});
  scheduler.body_returned(*dispatcher.started[0]);
  scheduler.body_returned(*dispatcher.started[0]);  // a second call returns nothing twice
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"gpu-a", "gpu-b"}));
  EXPECT_EQ(scheduler.available().at("GPU"), 0.0) << "both halves are still held";
  scheduler.body_returned(*dispatcher.started[1]);
  EXPECT_EQ(dispatcher.names().size(), 2u) << "the whole GPU is not free yet";
  scheduler.finished(*dispatcher.started[0]);
  scheduler.finished(*dispatcher.started[1]);
  ASSERT_EQ(dispatcher.names().size(), 3u);
  EXPECT_EQ(dispatcher.names().back(), "gpu-whole");
  scheduler.finished(*dispatcher.started[2]);
  EXPECT_EQ(scheduler.available().at("CPU"), 1.0) << "CPUs returned early are not returned again";
  EXPECT_EQ(scheduler.available().at("GPU"), 1.0);
}
TEST(Scheduler, DrainReturnsEveryQueuedTask) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_scheduler(dispatcher, 1);
  for (int i = 0; i < 5; ++i) scheduler.enqueue(make_task(1));
  EXPECT_EQ(scheduler.take_all_queued().size(), 4u);
  scheduler.finished(*dispatcher.started[0]);
  EXPECT_EQ(dispatcher.started.size(), 1u);
}

/// A task asking for `cpu` CPUs at `priority`.
TaskPtr make_prioritized(double cpu, int priority, std::string name) {
  TaskPtr task = make_task(cpu, 0, std::move(name));
  task->priority = priority;
  return task;
}

TEST(Scheduler, AHigherPriorityReadyTaskStartsBeforeEarlierLowerOnes) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_scheduler(dispatcher, 1);
  scheduler.enqueue(make_task(1, 0, "running"));
  scheduler.enqueue(make_prioritized(1, 0, "low-1"));
  scheduler.enqueue(make_prioritized(1, 0, "low-2"));
  scheduler.enqueue(make_prioritized(1, 3, "high"));
  scheduler.enqueue(make_prioritized(1, -1, "lowest"));
  for (std::size_t i = 0; i < 4; ++i) scheduler.finished(*dispatcher.started[i]);
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"running", "high", "low-1", "low-2", "lowest"}));
}

TEST(Scheduler, PriorityOrdersTheHeadsOfDifferentClasses) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_scheduler(dispatcher, 1);
  scheduler.enqueue(make_task(1, 0, "running"));
  scheduler.enqueue(make_prioritized(1, 0, "whole-cpu"));
  scheduler.enqueue(make_prioritized(0.5, 1, "half-cpu"));  // later, but first in line: whole-cpu no longer fits
  scheduler.finished(*dispatcher.started[0]);
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"running", "half-cpu"}));
}

TEST(Scheduler, StartsOfHigherPriorityTasksDoNotCountAsBypasses) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_scheduler(dispatcher, 2, 0, /*max_bypass=*/1);
  scheduler.enqueue(make_task(1, 0, "s0"));
  scheduler.enqueue(make_task(2, 0, "large"));
  for (int i = 1; i <= 2; ++i) {  // later, but ahead of "large" by priority: they do not overtake it
    scheduler.enqueue(make_prioritized(1, 1, "high-" + std::to_string(i)));
    scheduler.finished(*dispatcher.started.back());
  }
  scheduler.enqueue(make_prioritized(1, 0, "low-1"));  // behind "large": its first and only allowed bypass
  scheduler.enqueue(make_prioritized(1, 0, "low-2"));
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"s0", "high-1", "high-2", "low-1"}));
  scheduler.finished(*dispatcher.started.back());  // one CPU free: "large" does not fit and holds "low-2" back
  EXPECT_EQ(dispatcher.names().size(), 4u);
  scheduler.finished(*dispatcher.started[0]);
  EXPECT_EQ(dispatcher.names().back(), "large");
}

/// A policy that finds every GPU demand impossible.
class NeverPolicy final : public Policy {
 public:
  Decision decide(const Snapshot&) const override { return Decision::infeasible(); }
  std::string_view name() const noexcept override { return "never"; }
};

TEST(Scheduler, AnInfeasibleDecisionSendsTheTaskToFailWithoutTakingResources) {
  RecordingDispatcher dispatcher;
  Scheduler scheduler(ResourceLedger(units_per_resource, 1, {}), std::make_unique<NeverPolicy>(), 64, dispatcher,
                      unused_models());
  scheduler.enqueue(make_task(1, 0.5, "impossible"));
  ASSERT_EQ(dispatcher.names(), std::vector<std::string>{"impossible"});
  const TaskState& state = state_of(*dispatcher.started[0]);
  EXPECT_FALSE(state.holds_resources);
  ASSERT_TRUE(state.deferred_failure);
  EXPECT_THROW(std::rethrow_exception(state.deferred_failure), ResourceError);
  EXPECT_EQ(scheduler.available().at("CPU"), 1.0);
  EXPECT_EQ(scheduler.available().at("GPU"), 1.0);
}

TEST(Scheduler, ATaskIsPlacedByItsOwnPolicy) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_scheduler(dispatcher, 8, 2);
  EXPECT_EQ(scheduler.policy_index("pack"), 0) << "the runtime's own policy";
  const std::uint8_t spread = scheduler.policy_index("spread");
  EXPECT_NE(spread, 0);
  EXPECT_EQ(scheduler.policy_index("spread"), spread) << "made once";
  EXPECT_THROW(scheduler.policy_index("nearest"), UsageError);
  scheduler.enqueue(make_task(0, 0.25, "packed"));
  TaskPtr spreading = make_task(0, 0.25, "spread");
  spreading->policy = spread;
  scheduler.enqueue(std::move(spreading));
  scheduler.enqueue(make_task(0, 0.25, "packed-again"));
  ASSERT_EQ(dispatcher.started.size(), 3u);
  EXPECT_EQ(gpus_of(*dispatcher.started[0]), std::vector<int>{0});
  EXPECT_EQ(gpus_of(*dispatcher.started[1]), std::vector<int>{1}) << "spread takes the device with the most left";
  EXPECT_EQ(gpus_of(*dispatcher.started[2]), std::vector<int>{0}) << "pack fills device 0 first (0.75 left vs 0.75)";
}

/// Finishes each dispatched task on another thread and tracks how many run at once.
class ConcurrentDispatcher final : public Dispatcher {
 public:
  void dispatch(TaskPtr task) override {
    auto units = task->demand.cpu;
    int now = running_units.fetch_add(static_cast<int>(units)) + static_cast<int>(units);
    int seen = max_running_units.load();
    while (now > seen && !max_running_units.compare_exchange_weak(seen, now)) {
    }
    std::lock_guard lock(mutex);
    pending.push_back(std::move(task));
  }
  TaskPtr take() {
    std::lock_guard lock(mutex);
    if (pending.empty()) return {};
    TaskPtr task = std::move(pending.back());
    pending.pop_back();
    return task;
  }
  std::mutex mutex;
  std::vector<TaskPtr> pending;
  std::atomic<int> running_units{0};
  std::atomic<int> max_running_units{0};
  std::atomic<int> completed{0};
};

TEST(Scheduler, ConcurrentEnqueueAndFinishNeverExceedTheCapacity) {
  ConcurrentDispatcher dispatcher;
  auto scheduler = make_scheduler(dispatcher, 3, 0, 4);
  constexpr int per_thread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) scheduler.enqueue(make_task((i + t) % 3 == 0 ? 2 : 1));
    });
  }
  // A task left queued while CPUs are free (a lost wake-up between the lock-free fast path and the queue) would
  // never be dispatched: the finishers give up at the hang guard and the count below comes out short.
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      while (dispatcher.completed.load() < 2 * per_thread && std::chrono::steady_clock::now() < give_up) {
        if (TaskPtr task = dispatcher.take()) {
          dispatcher.running_units.fetch_sub(static_cast<int>(task->demand.cpu));
          scheduler.finished(*task);
          dispatcher.completed.fetch_add(1);
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(dispatcher.completed.load(), 2 * per_thread);
  EXPECT_LE(dispatcher.max_running_units.load(), 3 * units_per_resource);
  EXPECT_EQ(scheduler.available().at("CPU"), 3.0);
}

/// Places a one-GPU task on device 0 when it is free with nothing committed, and commits it to device 0 otherwise
/// (dmdas's answer on a one-GPU machine whose GPU always wins). Reads the committed-queue fields, so it "uses models".
class CommitToGpu0 final : public Policy {
 public:
  Decision decide(const Snapshot& snapshot) const override {
    const GpuView& gpu = snapshot.gpus[0];
    if (gpu.free_units >= snapshot.task.variants[0].gpu_units && gpu.committed == 0) return Decision::place({0});
    return Decision::commit(0);
  }
  std::string_view name() const noexcept override { return "commit-to-gpu0"; }
  bool uses_models() const noexcept override { return true; }
};

Scheduler make_committing_scheduler(Dispatcher& dispatcher, int cpus, int gpus) {
  return Scheduler(ResourceLedger(std::int64_t{cpus} * units_per_resource, gpus, {}), std::make_unique<CommitToGpu0>(),
                   64, dispatcher, unused_models());
}

TEST(Scheduler, ACommittedTaskStartsOnItsDeviceWhenItFreesInPriorityOrder) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_committing_scheduler(dispatcher, 4, 2);
  scheduler.enqueue(make_task(0, 1, "running"));
  scheduler.enqueue(make_task(0, 1, "low"));  // committed to device 0 although device 1 is free
  TaskPtr high = make_task(0, 1, "high");
  high->priority = 5;
  scheduler.enqueue(std::move(high));
  scheduler.enqueue(make_task(1, 0, "cpu"));  // a CPU task is not held behind tasks committed to a GPU
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"running", "cpu"}));
  EXPECT_EQ(scheduler.available().at("GPU"), 1.0) << "committed tasks hold nothing";
  scheduler.finished(*dispatcher.started[0]);
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"running", "cpu", "high"})) << "priority first";
  EXPECT_EQ(gpus_of(*dispatcher.started[2]), std::vector<int>{0});
  scheduler.finished(*dispatcher.started[2]);
  EXPECT_EQ(dispatcher.names(), (std::vector<std::string>{"running", "cpu", "high", "low"}));
  EXPECT_EQ(gpus_of(*dispatcher.started[3]), std::vector<int>{0});
}

TEST(Scheduler, TheCommitLimitKeepsTheRestInTheirClassQueue) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_committing_scheduler(dispatcher, 4, 1);
  scheduler.enqueue(make_task(0, 1, "running"));
  for (std::uint32_t i = 0; i < default_commit_limit; ++i) scheduler.enqueue(make_task(0, 1, "t" + std::to_string(i)));
  // The committed queue is full: an urgent task is refused there and waits in its class queue, so t0, committed
  // already, starts before it; committed next, at the front by its priority, it starts before t1.
  TaskPtr urgent = make_task(0, 1, "urgent");
  urgent->priority = 9;
  scheduler.enqueue(std::move(urgent));
  scheduler.finished(*dispatcher.started.back());
  ASSERT_EQ(dispatcher.started.size(), 2u);
  EXPECT_EQ(dispatcher.started.back()->name, "t0");
  scheduler.finished(*dispatcher.started.back());
  ASSERT_EQ(dispatcher.started.size(), 3u);
  EXPECT_EQ(dispatcher.started.back()->name, "urgent");
  for (std::uint32_t i = 1; i < default_commit_limit; ++i) {
    scheduler.finished(*dispatcher.started.back());
    ASSERT_EQ(dispatcher.started.size(), i + 3);
    EXPECT_EQ(dispatcher.started.back()->name, "t" + std::to_string(i));
  }
}

TEST(Scheduler, CancellingAndShutdownSeeCommittedTasks) {
  RecordingDispatcher dispatcher;
  auto scheduler = make_committing_scheduler(dispatcher, 4, 1);
  scheduler.enqueue(make_task(0, 1, "running"));
  TaskPtr cancelled = make_task(0, 1, "cancelled");
  Task& cancelled_ref = *cancelled;
  scheduler.enqueue(std::move(cancelled));
  scheduler.enqueue(make_task(0, 1, "left"));
  TaskPtr taken = scheduler.take_queued(cancelled_ref);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->name, "cancelled");
  EXPECT_EQ(state_of(*taken).stage.load(), TaskStage::running) << "claimed";
  EXPECT_FALSE(scheduler.take_queued(cancelled_ref)) << "taken once";
  std::vector<TaskPtr> drained = scheduler.take_all_queued();
  ASSERT_EQ(drained.size(), 1u);
  EXPECT_EQ(drained[0]->name, "left");
  scheduler.finished(*dispatcher.started[0]);
  EXPECT_EQ(dispatcher.names(), std::vector<std::string>{"running"}) << "nothing committed is left to start";
  EXPECT_EQ(scheduler.available().at("GPU"), 1.0);
}

TEST(Scheduler, ConcurrentCommitsAndFinishesStartEveryTaskOnceWithinTheDevice) {
  ConcurrentDispatcher dispatcher;
  auto scheduler = make_committing_scheduler(dispatcher, 2, 1);
  constexpr int per_thread = 1000;
  std::atomic<int> on_gpu{0};
  std::atomic<int> max_on_gpu{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) scheduler.enqueue(make_task((i + t) % 2, (i + t) % 2 == 0 ? 0.5 : 0));
    });
  }
  // A committed task the device never took (a finish that missed the committed queue) would leave the finishers at
  // the hang guard with the count short.
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      while (dispatcher.completed.load() < 2 * per_thread && std::chrono::steady_clock::now() < give_up) {
        if (TaskPtr task = dispatcher.take()) {
          const bool gpu = task->demand.gpu > 0;
          if (gpu) {
            int now = on_gpu.fetch_add(1) + 1;
            int seen = max_on_gpu.load();
            while (now > seen && !max_on_gpu.compare_exchange_weak(seen, now)) {
            }
          }
          dispatcher.running_units.fetch_sub(static_cast<int>(task->demand.cpu));
          if (gpu) on_gpu.fetch_sub(1);
          scheduler.finished(*task);
          dispatcher.completed.fetch_add(1);
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(dispatcher.completed.load(), 2 * per_thread);
  EXPECT_LE(max_on_gpu.load(), 2) << "two half-GPU tasks at most on the device";
  EXPECT_EQ(scheduler.available().at("GPU"), 1.0);
  EXPECT_EQ(scheduler.available().at("CPU"), 2.0);
}

}  // namespace
}  // namespace hetsched::detail
