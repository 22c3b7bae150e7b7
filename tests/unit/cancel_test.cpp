// Runtime::cancel: a task that has not started fails at once wherever it waits, a running one sees ctx.cancelled()
// and its result is discarded, a recursive cancel reaches the tasks it submitted, and a finished or foreign ref is
// left alone. The race test checks cancel's verdict against each ref's outcome.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

using hetsched_test::eventually;
using hetsched_test::Gate;
using hetsched_test::HeldTasks;
using hetsched_test::make_config;

TEST(Cancel, AQueuedTaskFailsAtOnceAndSoDoItsDependents) {
  hetsched::Runtime rt{make_config(1)};
  HeldTasks held;
  auto blocker = rt.task(held.body()).remote();
  ASSERT_TRUE(held.wait_until_inside(1));
  auto ran = std::make_shared<std::atomic<bool>>(false);
  auto queued = rt.task([ran] {
                    *ran = true;
                    return 1;
                  })
                    .remote();
  auto dependent = rt.task([](int x) { return x + 1; }).remote(queued);
  EXPECT_TRUE(rt.cancel(queued));
  EXPECT_THROW(rt.get(queued), hetsched::TaskCancelledError);  // while the blocker still holds the only CPU
  EXPECT_THROW(rt.get(dependent), hetsched::TaskCancelledError);
  held.release();
  EXPECT_TRUE(rt.get(blocker));
  EXPECT_FALSE(ran->load());
  EXPECT_TRUE(eventually([&] { return rt.available_resources() == rt.total_resources(); }));
}

TEST(Cancel, ATaskWaitingForItsInputsFailsAtOnce) {
  hetsched::Runtime rt{make_config(2)};
  Gate input_done;
  auto input = rt.task([&] { return input_done.wait() ? 5 : -1; }).remote();
  auto ran = std::make_shared<std::atomic<bool>>(false);
  auto waiting = rt.task([ran](int x) {
                     *ran = true;
                     return x;
                   })
                     .remote(input);
  EXPECT_TRUE(rt.cancel(waiting));
  EXPECT_THROW(rt.get(waiting), hetsched::TaskCancelledError);
  input_done.open();  // the input completes after its dependent was cancelled
  EXPECT_EQ(rt.get(input), 5);
  EXPECT_FALSE(ran->load());
}

TEST(Cancel, ARunningTaskSeesItAndItsResultIsDiscarded) {
  hetsched::Runtime rt{make_config(2)};
  Gate started;
  auto task = rt.task([&](hetsched::TaskContext& ctx) {
                  started.open();
                  while (!ctx.cancelled()) std::this_thread::sleep_for(std::chrono::microseconds(100));
                  return 7;
                })
                  .remote();
  ASSERT_TRUE(started.wait());
  EXPECT_TRUE(rt.cancel(task));
  try {
    rt.get(task);
    FAIL() << "expected TaskCancelledError";
  } catch (const hetsched::TaskCancelledError& e) {
    EXPECT_NE(std::string(e.what()).find("while it ran"), std::string::npos) << e.what();
  }
}

TEST(Cancel, FinishedForeignAndEmptyRefsAreLeftAlone) {
  hetsched::Runtime rt{make_config(1)};
  hetsched::Runtime other{make_config(1)};
  auto done = rt.task([] { return 1; }).remote();
  EXPECT_EQ(rt.get(done), 1);
  EXPECT_FALSE(rt.cancel(done));
  EXPECT_EQ(rt.get(done), 1);
  EXPECT_FALSE(rt.cancel(rt.put(3)));
  EXPECT_FALSE(rt.cancel(hetsched::ObjectRef<int>()));
  HeldTasks held;
  auto foreign = other.task(held.body()).remote();
  ASSERT_TRUE(held.wait_until_inside(1));
  EXPECT_FALSE(rt.cancel(foreign));
  held.release();
  EXPECT_TRUE(other.get(foreign));
}

TEST(Cancel, ASecondCancelOfACancelledTaskIsFalse) {
  hetsched::Runtime rt{make_config(1)};
  HeldTasks held;
  auto blocker = rt.task(held.body()).remote();
  ASSERT_TRUE(held.wait_until_inside(1));
  auto queued = rt.task([] { return 1; }).remote();
  EXPECT_TRUE(rt.cancel(queued));
  EXPECT_FALSE(rt.cancel(queued));
  held.release();
  rt.get(blocker);
}

TEST(Cancel, RecursiveReachesTheTasksItSubmittedAndWillSubmit) {
  hetsched::Runtime rt{make_config(2)};
  HeldTasks held;
  Gate children_submitted;
  Gate parent_cancelled;
  auto late_child = std::make_shared<hetsched::ObjectRef<int>>();
  auto children = std::make_shared<std::vector<hetsched::ObjectRef<int>>>();
  auto blocker = rt.task(held.body()).remote();
  ASSERT_TRUE(held.wait_until_inside(1));
  auto parent = rt.task([&, children, late_child](hetsched::TaskContext& ctx) {
                    // The one other CPU is this task's: its children queue behind the blocker.
                    for (int i = 0; i < 3; ++i) children->push_back(ctx.runtime().task([] { return 1; }).remote());
                    children_submitted.open();
                    if (!parent_cancelled.wait()) return false;
                    *late_child = ctx.runtime().task([] { return 2; }).remote();
                    return ctx.cancelled();
                  })
                    .remote();
  ASSERT_TRUE(children_submitted.wait());
  EXPECT_TRUE(rt.cancel(parent, /*recursive=*/true));
  parent_cancelled.open();
  EXPECT_THROW(rt.get(parent), hetsched::TaskCancelledError);
  for (auto& child : *children) EXPECT_THROW(rt.get(child), hetsched::TaskCancelledError);
  EXPECT_THROW(rt.get(*late_child), hetsched::TaskCancelledError);
  held.release();
  rt.get(blocker);
}

TEST(Cancel, NotRecursiveLeavesTheChildrenAlone) {
  hetsched::Runtime rt{make_config(2)};
  Gate child_submitted;
  Gate parent_cancelled;
  auto child = std::make_shared<hetsched::ObjectRef<int>>();
  auto parent = rt.task([&, child](hetsched::TaskContext& ctx) {
                    *child = ctx.runtime().task([] { return 1; }).remote();
                    child_submitted.open();
                    return parent_cancelled.wait();
                  })
                    .remote();
  ASSERT_TRUE(child_submitted.wait());
  EXPECT_TRUE(rt.cancel(parent));
  parent_cancelled.open();
  EXPECT_THROW(rt.get(parent), hetsched::TaskCancelledError);
  EXPECT_EQ(rt.get(*child), 1);
}

struct Slow {
  int hold(Gate* go) { return go->wait() ? 1 : -1; }
  int call(int x) { return x; }
};

TEST(Cancel, AQueuedActorCallFailsWhenItComesUpAndTheOthersRun) {
  hetsched::Runtime rt{make_config(2)};
  auto actor = rt.actor<Slow>().remote();
  Gate go;
  auto first = actor.call(&Slow::hold, &go);
  auto second = actor.call(&Slow::call, 2);
  auto third = actor.call(&Slow::call, 3);
  EXPECT_TRUE(rt.cancel(second));
  go.open();
  EXPECT_EQ(rt.get(first), 1);
  EXPECT_THROW(rt.get(second), hetsched::TaskCancelledError);
  EXPECT_EQ(rt.get(third), 3);
}

// Cancels race with completion on several threads: cancel's verdict must agree with the outcome of every ref (true:
// TaskCancelledError; false: its value), dependents of a cancelled task fail the same way, and everything returns.
TEST(Cancel, RacingCompletionTheVerdictMatchesTheOutcome) {
  hetsched::Runtime rt{make_config(4, 1)};
  constexpr int count = 2000;
  std::vector<hetsched::ObjectRef<int>> refs;
  std::mt19937 random(11);
  for (int i = 0; i < count; ++i) {
    auto builder = rt.task([](hetsched::TaskContext& ctx, int x) {
      for (int spin = 0; spin < 200 && !ctx.cancelled(); ++spin) std::this_thread::yield();
      return x + 1;
    });
    builder.name("t" + std::to_string(i));
    if (i % 4 == 3) builder.gpus(0.25);
    hetsched::ObjectRef<int> input = i > 0 && random() % 3 == 0 ? refs[random() % refs.size()] : rt.put(i);
    refs.push_back(builder.remote(input));
  }
  std::vector<std::atomic<int>> verdicts(count);  // 0 not asked, 1 true, 2 false
  std::vector<std::thread> cancellers;
  for (int t = 0; t < 2; ++t) {
    cancellers.emplace_back([&, t] {
      for (int i = t; i < count; i += 4) verdicts[i] = rt.cancel(refs[i]) ? 1 : 2;
    });
  }
  for (auto& thread : cancellers) thread.join();
  for (int i = 0; i < count; ++i) {
    const std::string own_name = "'t" + std::to_string(i) + "'";
    try {
      rt.get(refs[i]);
      EXPECT_NE(verdicts[i], 1) << "cancel said true, yet task " << i << " returned its value";
    } catch (const hetsched::TaskCancelledError& e) {
      // Cancelled itself (cancel said true), or failed through a cancelled input (named in the message).
      if (verdicts[i] != 1) {
        EXPECT_EQ(std::string(e.what()).find(own_name), std::string::npos) << e.what();
      }
    }
  }
  EXPECT_TRUE(eventually([&] { return rt.available_resources() == rt.total_resources(); }));
}

}  // namespace
