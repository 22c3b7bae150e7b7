// SpareThreads: every start() runs the job exactly once, on an idle thread when one is waiting, and destruction joins.
#include "exec/spare_threads.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace {

using hetsched::detail::SpareThreads;

TEST(SpareThreads, RunsTheJobOnceForEveryStartFromManyThreadsAtOnce) {
  std::atomic<int> runs{0};
  {
    SpareThreads spares([&runs] { runs.fetch_add(1); });
    std::vector<std::thread> starters;
    for (int t = 0; t < 4; ++t) {
      starters.emplace_back([&spares] {
        for (int i = 0; i < 250; ++i) EXPECT_TRUE(spares.start());
      });
    }
    for (auto& starter : starters) starter.join();
  }  // joins: every start has run by now
  EXPECT_EQ(runs.load(), 1000);
}

TEST(SpareThreads, ReusesAnIdleThreadInsteadOfMakingANewOne) {
  std::atomic<int> runs{0};
  SpareThreads spares([&runs] { runs.fetch_add(1); });
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(spares.start());
    const int expected = i + 1;
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
         runs.load() < expected && std::chrono::steady_clock::now() < deadline;) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    ASSERT_EQ(runs.load(), expected);
  }
  // One start at a time, each finished before the next: a thread goes idle between them, but it may not yet be
  // waiting when the next start comes, so allow a few.
  EXPECT_LE(spares.size(), 20u);
  EXPECT_GE(spares.size(), 1u);
}

TEST(SpareThreads, RunsJobsThatBlockEachOnItsOwnThread) {
  std::mutex mutex;
  std::condition_variable changed;
  int inside = 0;
  bool release = false;
  SpareThreads spares([&] {
    std::unique_lock lock(mutex);
    ++inside;
    changed.notify_all();
    changed.wait(lock, [&] { return release; });
  });
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(spares.start());
  {
    std::unique_lock lock(mutex);
    EXPECT_TRUE(changed.wait_for(lock, std::chrono::seconds(30), [&] { return inside == 6; }))
        << "six blocked jobs need six threads; only " << inside << " started";
    release = true;
  }
  changed.notify_all();
  EXPECT_EQ(spares.size(), 6u);
}

}  // namespace
