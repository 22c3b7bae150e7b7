// wait: how many refs come back ready, in which order, and what a timeout returns.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "test_support.hpp"

namespace {

using hetsched_test::eventually;
using hetsched_test::Gate;
using hetsched_test::make_config;
using namespace std::chrono_literals;
using Refs = std::vector<hetsched::ObjectRef<int>>;

/// A task that returns `value` once `gate` opens, counting itself in `started` when it begins.
hetsched::ObjectRef<int> gated(hetsched::Runtime& rt, Gate& gate, std::atomic<int>& started, int value) {
  return rt.task([&gate, &started, value] {
             ++started;
             return gate.wait() ? value : -1;
           }).remote();
}

TEST(Wait, ReturnsOneReadyRefByDefault) {
  hetsched::Runtime rt{make_config(2)};
  Refs refs{rt.put(1), rt.put(2), rt.put(3)};
  auto result = rt.wait(refs);
  EXPECT_EQ(result.ready, (Refs{refs[0]}));
  EXPECT_EQ(result.not_ready, (Refs{refs[1], refs[2]}));
}

TEST(Wait, ReturnsAsSoonAsNumReturnsAreReady) {
  Gate release;  // declared before the runtime: tasks still running at the end may use it
  std::atomic<int> started{0};
  hetsched::Runtime rt{make_config(4)};
  auto slow_a = gated(rt, release, started, 10);
  auto slow_b = gated(rt, release, started, 20);
  Refs refs{slow_a, rt.put(1), slow_b, rt.task([] { return 2; }).remote()};
  auto result = rt.wait(refs, 2);
  EXPECT_EQ(result.ready, (Refs{refs[1], refs[3]}));
  EXPECT_EQ(result.not_ready, (Refs{slow_a, slow_b}));
  release.open();
  EXPECT_EQ(rt.get(refs), (std::vector<int>{10, 1, 20, 2}));
}

TEST(Wait, ReturnsReadyRefsFirstInInputOrder) {
  Gate release;  // declared before the runtime: tasks still running at the end may use it
  std::atomic<int> started{0};
  hetsched::Runtime rt{make_config(4)};
  auto slow_a = gated(rt, release, started, 0);
  auto slow_b = gated(rt, release, started, 0);
  auto p1 = rt.put(1);
  auto p2 = rt.put(2);
  auto p3 = rt.put(3);
  auto result = rt.wait(Refs{slow_a, p1, slow_b, p2, p3}, 2);
  // At most num_returns refs are ready, taken in input order; every other ref (ready or not) follows in input order.
  EXPECT_EQ(result.ready, (Refs{p1, p2}));
  EXPECT_EQ(result.not_ready, (Refs{slow_a, slow_b, p3}));
  release.open();
}

TEST(Wait, ReturnsPartialResultsAtTheTimeout) {
  Gate release;  // declared before the runtime: tasks still running at the end may use it
  std::atomic<int> started{0};
  hetsched::Runtime rt{make_config(4)};
  auto slow_a = gated(rt, release, started, 0);
  auto slow_b = gated(rt, release, started, 0);
  ASSERT_TRUE(eventually([&] { return started.load() == 2; }));
  auto ready = rt.put(1);
  auto result = rt.wait(Refs{slow_a, ready, slow_b}, 3, 20ms);
  EXPECT_EQ(result.ready, (Refs{ready}));
  EXPECT_EQ(result.not_ready, (Refs{slow_a, slow_b}));
  release.open();
}

TEST(Wait, ReturnsAtTheTimeoutInsteadOfRunningAQueuedTaskItself) {
  // One CPU, held by a blocked task: the second task cannot start. A wait for it with a timeout must come back at
  // the timeout with the task not ready; it must not run the queued task on the waiting thread (which would block
  // the caller far past its deadline, and run a task without its CPU).
  Gate release_blocker;
  Gate release_queued;
  std::atomic<int> started{0};
  hetsched::Runtime rt{make_config(1)};
  auto blocker = gated(rt, release_blocker, started, 1);
  ASSERT_TRUE(eventually([&] { return started.load() == 1; }));
  auto queued = gated(rt, release_queued, started, 2);
  auto result = rt.wait(Refs{queued}, 1, 50ms);
  EXPECT_TRUE(result.ready.empty());
  EXPECT_EQ(result.not_ready, (Refs{queued}));
  EXPECT_EQ(started.load(), 1);
  release_queued.open();
  release_blocker.open();
  EXPECT_EQ(rt.get(blocker), 1);
  EXPECT_EQ(rt.get(queued), 2);
}

TEST(Wait, WaitsForEveryRefWithoutATimeout) {
  hetsched::Runtime rt{make_config(2)};
  Refs refs;
  for (int i = 0; i < 10; ++i) refs.push_back(rt.task([](int x) { return x; }).remote(i));
  auto result = rt.wait(refs, refs.size());
  EXPECT_EQ(result.ready, refs);
  EXPECT_TRUE(result.not_ready.empty());
}

TEST(Wait, CountsAFailedTaskAsReady) {
  hetsched::Runtime rt{make_config(2)};
  auto failed = rt.task([]() -> int { throw std::runtime_error("no"); }).remote();
  auto result = rt.wait(Refs{failed}, 1, hetsched_test::hang_guard);
  EXPECT_EQ(result.ready, (Refs{failed}));
  EXPECT_THROW(rt.get(failed), hetsched::TaskError);
}

TEST(Wait, ThrowsUsageErrorWhenNumReturnsExceedsTheRefs) {
  hetsched::Runtime rt{make_config(1)};
  EXPECT_THROW(rt.wait(Refs{rt.put(1), rt.put(2)}, 3), hetsched::UsageError);
  EXPECT_THROW(rt.wait(Refs{}, 1), hetsched::UsageError);
}

TEST(Wait, ThrowsUsageErrorForAnEmptyRef) {
  hetsched::Runtime rt{make_config(1)};
  EXPECT_THROW(rt.wait(Refs{rt.put(1), hetsched::ObjectRef<int>()}, 1), hetsched::UsageError);
}

}  // namespace
