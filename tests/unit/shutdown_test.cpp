// Shutdown: destroying the Runtime cancels what has not started, lets running tasks finish, and leaves refs usable.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "test_support.hpp"

namespace {

using hetsched_test::eventually;
using hetsched_test::Gate;
using hetsched_test::hang_guard;
using hetsched_test::make_config;
using Refs = std::vector<hetsched::ObjectRef<int>>;

/// True when every ref is ready or failed.
bool all_done(const Refs& refs) {
  for (const auto& ref : refs) {
    if (!ref.is_ready()) return false;
  }
  return true;
}

TEST(Shutdown, ReturnsAtOnceWithNothingToDo) {
  { hetsched::Runtime rt{make_config(2, 1)}; }
  { hetsched::Runtime rt{make_config(2)}; EXPECT_EQ(rt.get(rt.task([] { return 1; }).remote()), 1); }
}

TEST(Shutdown, CancelsQueuedTasksAndFinishesRunningOnes) {
  Gate release;
  std::atomic<int> started{0};
  std::atomic<int> queued_runs{0};
  Refs running;
  Refs queued;
  Refs dependents;
  std::optional<hetsched::Runtime> rt(std::in_place, make_config(2));

  // Two tasks hold both CPUs until released; everything submitted after them has to queue.
  for (int i = 0; i < 2; ++i) {
    running.push_back(rt->task([&started, &release, i] {
                          ++started;
                          return release.wait() ? i : -1;
                        }).remote());
  }
  ASSERT_TRUE(eventually([&] { return started.load() == 2; }));
  for (int i = 0; i < 500; ++i) {
    queued.push_back(rt->task([&queued_runs, i] {
                         ++queued_runs;
                         return i;
                       }).remote());
  }
  for (int i = 0; i < 20; ++i) {
    dependents.push_back(rt->task([](const int& a, const int& b) { return a + b; }).remote(running[0], queued[0]));
  }

  // Release the running tasks only once the destructor has cancelled the queue (or the hang guard passed), so that
  // no queued task can start in between. The dependents wait for a running task, so they may be cancelled later.
  std::thread opener([&] {
    eventually([&] { return all_done(queued); });
    release.open();
  });
  rt.reset();
  opener.join();

  EXPECT_EQ(queued_runs.load(), 0);
  EXPECT_TRUE(all_done(running));
  EXPECT_TRUE(all_done(queued));
  EXPECT_TRUE(all_done(dependents));

  // The refs outlive the runtime; another runtime reads them.
  hetsched::Runtime reader{make_config(1)};
  EXPECT_EQ(reader.get(running[0]), 0);
  EXPECT_EQ(reader.get(running[1]), 1);
  for (const auto& ref : queued) EXPECT_THROW(reader.get(ref), hetsched::TaskCancelledError);
  for (const auto& ref : dependents) EXPECT_THROW(reader.get(ref), hetsched::TaskCancelledError);
}

TEST(Shutdown, KeepsFinishedObjectsReadableAfterTheRuntimeIsGone) {
  std::optional<hetsched::Runtime> rt(std::in_place, make_config(2));
  auto stored = rt->put(std::vector<int>{1, 2, 3});
  auto computed = rt->task([] { return std::vector<int>(100, 7); }).remote();
  rt->get(computed);
  rt.reset();
  hetsched::Runtime reader{make_config(1)};
  EXPECT_EQ(reader.get(stored), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(reader.get(computed).size(), 100u);
  stored.reset();  // dropping the last refs after the runtime is gone frees them without touching it
  computed.reset();
}

TEST(Shutdown, DoesNotHangOnRunningTasksThatKeepSubmittingWork) {
  // Two tasks submit and get nested work in a loop. Once shutdown begins, new nested work must be refused or
  // cancelled (some hetsched::Error reaches the loop); otherwise the destructor would wait for them forever.
  std::atomic<int> started{0};
  std::atomic<int> iterations{0};
  std::optional<hetsched::Runtime> rt(std::in_place, make_config(2));
  Refs drivers;
  for (int i = 0; i < 2; ++i) {
    drivers.push_back(rt->task([&started, &iterations](hetsched::TaskContext& ctx) {
                          ++started;
                          auto deadline = std::chrono::steady_clock::now() + hang_guard;
                          while (std::chrono::steady_clock::now() < deadline) {
                            try {
                              auto child = ctx.runtime().task([](int x) { return x + 1; }).remote(1);
                              if (ctx.runtime().get(child) != 2) return -1;
                              ++iterations;
                            } catch (const hetsched::Error&) {
                              return 1;  // the runtime refused or cancelled the nested work: shutdown reached us
                            }
                          }
                          return 0;  // still accepted work after the hang guard
                        }).remote());
  }
  // Both drivers must be running (a driver that has not started would rightly be cancelled instead).
  ASSERT_TRUE(eventually([&] { return started.load() == 2 && iterations.load() >= 20; }));
  rt.reset();
  ASSERT_TRUE(all_done(drivers));
  hetsched::Runtime reader{make_config(1)};
  for (const auto& driver : drivers) EXPECT_EQ(reader.get(driver), 1);
}

TEST(Shutdown, SurvivesManyRuntimesInARow) {
  for (int round = 0; round < 20; ++round) {
    hetsched::Runtime rt{make_config(2)};
    Refs refs;
    for (int i = 0; i < 50; ++i) refs.push_back(rt.task([](int x) { return x; }).remote(i));
    if (round % 2 == 0) {
      EXPECT_EQ(rt.get(refs[49]), 49);
    }  // odd rounds: destroyed with work in flight
  }
}

}  // namespace
