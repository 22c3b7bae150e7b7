// The advisor through the public API: each mistake it knows is reported once per runtime, through Config::advice,
// with the fix; programs without the mistake get no report; a silenced advisor reports nothing; reports made from
// many threads at once still come once. The seeds' programs themselves are checked by examples/advice.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using hetsched::AdviceKind;

/// Collects the reports given to one runtime's sink.
class Reports {
 public:
  hetsched::Config config(int cpus, int gpus = 0) {
    hetsched::Config config = hetsched_test::make_config(cpus, gpus);
    config.advice = [this](const hetsched::Advice& advice) {
      std::lock_guard lock(mutex_);
      kinds_.push_back(advice.kind);
      messages_.emplace_back(advice.message);
    };
    return config;
  }
  std::vector<AdviceKind> kinds() const {
    std::lock_guard lock(mutex_);
    return kinds_;
  }
  std::string message(std::size_t index) const {
    std::lock_guard lock(mutex_);
    return messages_.at(index);
  }

 private:
  mutable std::mutex mutex_;
  std::vector<AdviceKind> kinds_;
  std::vector<std::string> messages_;
};

int sleep_then_return(int x) {
  std::this_thread::sleep_for(5ms);
  return x;
}

/// Busy for at least `duration` (no sleep: the body really runs that long).
int spin_for(std::chrono::microseconds duration) {
  const auto end = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < end) {
  }
  return 1;
}

TEST(Advice, AGetAfterEverySubmitIsReportedOnceWithTheFix) {
  Reports reports;
  {
    hetsched::Runtime rt(reports.config(4));
    for (int x = 0; x < 10; ++x) EXPECT_EQ(rt.get(rt.task(sleep_then_return).remote(x)), x);
  }
  ASSERT_EQ(reports.kinds(), std::vector<AdviceKind>{AdviceKind::get_in_submit_loop});
  EXPECT_NE(reports.message(0).find("rt.get(refs)"), std::string::npos) << reports.message(0);
}

TEST(Advice, AGetAfterEverySubmitIsNotReportedWhereOnlyOneTaskCouldRunAnyway) {
  Reports reports;
  {
    hetsched::Runtime rt(reports.config(1));
    for (int x = 0; x < 10; ++x) EXPECT_EQ(rt.get(rt.task(sleep_then_return).remote(x)), x);
    hetsched::Runtime four(reports.config(4));
    for (int x = 0; x < 10; ++x) EXPECT_EQ(four.get(four.task(sleep_then_return).cpus(4).remote(x)), x);
  }
  EXPECT_TRUE(reports.kinds().empty());
}

TEST(Advice, AGetAfterEverySubmitIsNotReportedWhileOtherWorkRuns) {
  Reports reports;
  {
    hetsched::Runtime rt(reports.config(4));
    hetsched_test::Gate gate;
    auto background = rt.task([&] { gate.wait(); }).remote();
    for (int x = 0; x < 10; ++x) EXPECT_EQ(rt.get(rt.task(sleep_then_return).remote(x)), x);
    gate.open();
    rt.get(background);
  }
  EXPECT_TRUE(reports.kinds().empty());
}

TEST(Advice, SubmittingAllThenGettingOnceIsNotReported) {
  Reports reports;
  {
    hetsched::Runtime rt(reports.config(4));
    for (int round = 0; round < 5; ++round) {
      std::vector<hetsched::ObjectRef<int>> refs;
      for (int x = 0; x < 4; ++x) refs.push_back(rt.task(sleep_then_return).remote(x));
      EXPECT_EQ(rt.get(refs), (std::vector<int>{0, 1, 2, 3}));
    }
  }
  EXPECT_TRUE(reports.kinds().empty());
}

TEST(Advice, EmptyTasksAreReportedOnceAsTiny) {
  Reports reports;
  {
    hetsched::Runtime rt(reports.config(2));
    // A sampled body delayed past the threshold (a preempted thread) starts the count over: keep submitting until
    // the report comes, within a bound far above the ~4096 tasks it needs.
    for (int batch = 0; batch < 50 && reports.kinds().empty(); ++batch) {
      std::vector<hetsched::ObjectRef<int>> refs;
      for (int x = 0; x < 10000; ++x) refs.push_back(rt.task([](int v) { return v; }).remote(x));
      rt.get(std::move(refs));
    }
  }
  ASSERT_EQ(reports.kinds(), std::vector<AdviceKind>{AdviceKind::tiny_tasks});
}

TEST(Advice, TasksOfTwentyMicrosecondsAreNotReportedAsTiny) {
  Reports reports;
  {
    hetsched::Runtime rt(reports.config(2));
    std::vector<hetsched::ObjectRef<int>> refs;
    for (int x = 0; x < 10000; ++x) refs.push_back(rt.task(spin_for).remote(std::chrono::microseconds(20)));
    rt.get(std::move(refs));
  }
  EXPECT_TRUE(reports.kinds().empty());
}

TEST(Advice, OneLargeValuePassedByValueAgainAndAgainIsReportedOnce) {
  Reports reports;
  {
    hetsched::Runtime rt(reports.config(2));
    const std::vector<double> matrix(std::size_t{1} << 18, 1.0);  // 2 MiB
    std::vector<hetsched::ObjectRef<double>> refs;
    for (int i = 0; i < 10; ++i) {
      refs.push_back(rt.task([](const std::vector<double>& m) { return m[0]; }).name("no_work").remote(matrix));
    }
    EXPECT_EQ(rt.get(refs), std::vector<double>(10, 1.0));
  }
  ASSERT_EQ(reports.kinds(), std::vector<AdviceKind>{AdviceKind::repeated_large_argument});
  EXPECT_NE(reports.message(0).find("rt.put"), std::string::npos) << reports.message(0);
  EXPECT_NE(reports.message(0).find("'no_work'"), std::string::npos) << reports.message(0);
}

TEST(Advice, DifferentLargeValuesSmallValuesAndAPutValueAreNotReported) {
  Reports reports;
  {
    hetsched::Runtime rt(reports.config(2));
    auto first = [](const std::vector<int>& values) { return values.front(); };
    std::vector<hetsched::ObjectRef<int>> refs;
    for (int i = 0; i < 10; ++i) {
      std::vector<int> chunk(std::size_t{1} << 19);  // 2 MiB, different contents each time
      std::iota(chunk.begin(), chunk.end(), i * 1000);
      refs.push_back(rt.task(first).remote(std::move(chunk)));
    }
    const std::vector<int> small(1000, 7);
    for (int i = 0; i < 10; ++i) refs.push_back(rt.task(first).remote(small));
    auto stored = rt.put(std::vector<int>(std::size_t{1} << 19, 3));
    for (int i = 0; i < 10; ++i) refs.push_back(rt.task(first).remote(stored));
    rt.get(refs);
  }
  EXPECT_TRUE(reports.kinds().empty());
}

TEST(Advice, ABufferCopiedOnEveryUseIsReportedOnce) {
  Reports reports;
  {
    hetsched::Runtime rt(reports.config(2, 1));  // one logical GPU: its replicas are copies in host memory
    auto buffer = rt.put_buffer(std::vector<int>(1024, 0));
    auto add_one = [](std::span<int> values) {
      for (int& value : values) ++value;
    };
    for (int step = 0; step < 10; ++step) {
      rt.task(add_one).gpus(1).remote(hetsched::read_write(buffer));  // copied to the GPU
      rt.task(add_one).remote(hetsched::read_write(buffer));          // and back
    }
    EXPECT_EQ(rt.get(buffer)[0], 20);
  }
  ASSERT_EQ(reports.kinds(), std::vector<AdviceKind>{AdviceKind::buffer_moves_every_call});
  EXPECT_NE(reports.message(0).find("locality"), std::string::npos) << reports.message(0);
}

TEST(Advice, ABufferKeptOnOneDeviceIsNotReported) {
  Reports reports;
  {
    hetsched::Runtime rt(reports.config(2, 1));
    auto buffer = rt.put_buffer(std::vector<int>(1024, 0));
    for (int step = 0; step < 20; ++step) {
      rt.task([](std::span<int> values) { ++values[0]; }).gpus(1).remote(hetsched::read_write(buffer));
    }
    EXPECT_EQ(rt.get(buffer)[0], 20);
  }
  EXPECT_TRUE(reports.kinds().empty());
}

TEST(Advice, ASilencedAdvisorReportsNothingAndEachRuntimeReportsForItself) {
  hetsched::Config silenced = hetsched_test::make_config(4);
  silenced.advice = nullptr;
  {
    hetsched::Runtime rt(silenced);
    for (int x = 0; x < 10; ++x) EXPECT_EQ(rt.get(rt.task(sleep_then_return).remote(x)), x);
  }
  Reports reports;
  for (int runtime = 0; runtime < 2; ++runtime) {
    hetsched::Runtime rt(reports.config(4));
    for (int x = 0; x < 10; ++x) EXPECT_EQ(rt.get(rt.task(sleep_then_return).remote(x)), x);
  }
  EXPECT_EQ(reports.kinds(), (std::vector<AdviceKind>{AdviceKind::get_in_submit_loop, AdviceKind::get_in_submit_loop}));
}

TEST(Advice, ASinkThatThrowsLosesItsReportAndNothingElse) {
  hetsched::Config config = hetsched_test::make_config(4);
  std::atomic<int> calls{0};
  config.advice = [&](const hetsched::Advice&) {
    ++calls;
    throw std::runtime_error("sink failed");
  };
  hetsched::Runtime rt(config);
  for (int x = 0; x < 10; ++x) EXPECT_EQ(rt.get(rt.task(sleep_then_return).remote(x)), x);
  EXPECT_EQ(calls.load(), 1);
}

TEST(Advice, ASinkMayCallTheRuntime) {
  hetsched::Config config = hetsched_test::make_config(4);
  hetsched::Runtime* runtime = nullptr;
  std::atomic<int> seen{0};
  config.advice = [&](const hetsched::Advice&) { seen = runtime->get(runtime->task([] { return 7; }).remote()); };
  hetsched::Runtime rt(config);
  runtime = &rt;
  for (int x = 0; x < 10; ++x) EXPECT_EQ(rt.get(rt.task(sleep_then_return).remote(x)), x);
  EXPECT_EQ(seen.load(), 7);
}

// Many threads reach the same mistake at once: the table of large values, the tiny-task counters and the reported
// flags are shared by all of them; each mistake still comes once (and TSan watches the sharing).
TEST(Advice, MistakesMadeOnManyThreadsAtOnceAreReportedOnceEach) {
  Reports reports;
  {
    hetsched::Runtime rt(reports.config(4));
    const std::vector<double> matrix(std::size_t{1} << 18, 2.0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 3; ++i) {
          EXPECT_EQ(rt.get(rt.task([](const std::vector<double>& m) { return m[1]; }).remote(matrix)), 2.0);
        }
        for (int batch = 0; batch < 10; ++batch) {
          std::vector<hetsched::ObjectRef<int>> refs;
          for (int x = 0; x < 1000; ++x) refs.push_back(rt.task([](int v) { return v; }).remote(x));
          rt.get(std::move(refs));
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  std::vector<AdviceKind> kinds = reports.kinds();
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), AdviceKind::repeated_large_argument), 1);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), AdviceKind::tiny_tasks), 1);
  // A thread whose gets happened to find nothing else running did serialise them: at most one report of that.
  EXPECT_LE(std::count(kinds.begin(), kinds.end(), AdviceKind::get_in_submit_loop), 1);
}

TEST(Advice, EveryKindHasAName) {
  EXPECT_EQ(hetsched::advice_kind_name(AdviceKind::get_in_submit_loop), "get_in_submit_loop");
  EXPECT_EQ(hetsched::advice_kind_name(AdviceKind::buffer_moves_every_call), "buffer_moves_every_call");
}

}  // namespace
