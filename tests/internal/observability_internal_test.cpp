// The pieces behind Runtime's observability: the live-task registry under concurrent adds, removes and walks; the
// progress reporter's line, its period and its prompt stop; HETSCHED_TIMELINE and HETSCHED_PROGRESS resolution.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config_resolution.hpp"
#include "hetsched/error.hpp"
#include "progress_reporter.hpp"
#include "task/task_registry.hpp"
#include "test_task.hpp"

namespace hetsched::detail {
namespace {

constexpr std::chrono::seconds hang_guard{30};

TEST(TaskRegistry, WalksSeeExactlyTheListedTasksWhileOthersComeAndGo) {
  // Four threads add and remove their own tasks; a fifth walks. A walk must see every task that stays listed the
  // whole time, never a removed one, and the totals must add up (under TSan: no race on the links or the totals).
  TaskRegistry registry;
  std::vector<TaskPtr> resident;
  for (int i = 0; i < 16; ++i) {
    resident.push_back(test::make_task(1, 0, "resident"));
    registry.add(*resident.back());
  }
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> failed{0};
  std::vector<std::thread> churn;
  for (int thread = 0; thread < 4; ++thread) {
    churn.emplace_back([&] {
      std::vector<TaskPtr> mine;
      for (int i = 0; i < 3000; ++i) {
        mine.push_back(test::make_task(1, 0, "transient"));
        registry.add(*mine.back());
        if (mine.size() > 8) {
          if (i % 3 == 0) ++failed;
          registry.remove(*mine.front(), i % 3 == 0);
          mine.erase(mine.begin());
        }
      }
      for (TaskPtr& task : mine) registry.remove(*task, false);
    });
  }
  std::thread walker([&] {
    while (!stop.load()) {
      int residents = 0;
      registry.for_each([&](Task& task) {
        if (task.name == "resident") ++residents;
      });
      EXPECT_EQ(residents, 16);
    }
  });
  for (auto& thread : churn) thread.join();
  stop = true;
  walker.join();
  int listed = 0;
  registry.for_each([&](Task&) { ++listed; });
  EXPECT_EQ(listed, 16);
  const TaskTotals totals = registry.totals();
  EXPECT_EQ(totals.added, 16u + 4 * 3000u);
  EXPECT_EQ(totals.finished, 4 * 3000u);
  EXPECT_EQ(totals.failed, failed.load());
  EXPECT_GT(totals.failed, 0u);
  for (TaskPtr& task : resident) registry.remove(*task, false);
}

TEST(Progress, TheLineSaysTasksObjectsAndBytes) {
  RuntimeCounters counters;
  counters.tasks_finished = 120;
  counters.tasks_running = 2;
  counters.tasks_queued = 5;
  counters.tasks_dispatched = 1;
  counters.tasks_waiting = 7;
  counters.store.objects = 9;
  counters.store.bytes = 3 << 20;
  EXPECT_EQ(progress_line(counters),
            "hetsched: tasks 120 done, 2 running, 6 queued, 7 waiting | objects 9, 3.0 MiB");
  counters.tasks_failed = 1;
  counters.retries = 4;
  counters.store.bytes_host_to_device = 1536;
  EXPECT_EQ(progress_line(counters), "hetsched: tasks 120 done, 2 running, 6 queued, 7 waiting, 1 failed, "
                                     "4 retried | objects 9, 3.0 MiB | moved 1.5 KiB");
  EXPECT_EQ(human_bytes(1023), "1023 B");
  EXPECT_EQ(human_bytes(std::uint64_t{5} << 30), "5.0 GiB");
}

TEST(Progress, PrintsEachPeriodUntilStopped) {
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<std::string> lines;
  std::atomic<int> reads{0};
  {
    ProgressReporter reporter(
        [&] {
          RuntimeCounters counters;
          counters.tasks_finished = static_cast<std::uint64_t>(++reads);
          return counters;
        },
        [&](const std::string& line) {
          std::lock_guard lock(mutex);
          lines.push_back(line);
          arrived.notify_all();
        },
        std::chrono::milliseconds(5));
    std::unique_lock lock(mutex);
    ASSERT_TRUE(arrived.wait_for(lock, hang_guard, [&] { return lines.size() >= 3; }));
  }
  const std::size_t seen = lines.size();
  EXPECT_EQ(lines.at(0).rfind("hetsched: tasks 1 done", 0), 0u) << lines.at(0);
  EXPECT_EQ(lines.at(1).rfind("hetsched: tasks 2 done", 0), 0u) << lines.at(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(lines.size(), seen) << "nothing is printed once the reporter is gone";
}

TEST(Progress, StoppingDoesNotWaitOutThePeriod) {
  // With an hour's period, a reporter that slept instead of waiting on its condition variable would hold the
  // destructor for an hour: the hang guard catches it.
  auto stopped = std::async(std::launch::async, [] {
    ProgressReporter reporter([] { return RuntimeCounters{}; }, [](const std::string&) {}, std::chrono::hours(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  EXPECT_EQ(stopped.wait_for(hang_guard), std::future_status::ready);
}

std::map<std::string, std::string> environment;

std::optional<std::string> lookup(const char* name) {
  auto it = environment.find(name);
  if (it == environment.end()) return std::nullopt;
  return it->second;
}

HardwareInfo one_core() {
  HardwareInfo hardware;
  hardware.usable_cores = 1;
  return hardware;
}

TEST(ObservabilityConfig, ReadsHetschedTimelineAndHetschedProgress) {
  environment = {};
  ResolvedConfig resolved = resolve_config(Config{}, one_core(), lookup);
  EXPECT_EQ(resolved.timeline_path, "");
  EXPECT_FALSE(resolved.progress);
  environment = {{"HETSCHED_TIMELINE", " /tmp/run.json "}, {"HETSCHED_PROGRESS", "1"}};
  resolved = resolve_config(Config{}, one_core(), lookup);
  EXPECT_EQ(resolved.timeline_path, "/tmp/run.json");
  EXPECT_TRUE(resolved.progress);
  environment = {{"HETSCHED_PROGRESS", "0"}};
  EXPECT_FALSE(resolve_config(Config{}, one_core(), lookup).progress);
  Config ignoring;
  ignoring.read_environment = false;
  environment = {{"HETSCHED_TIMELINE", "/tmp/run.json"}, {"HETSCHED_PROGRESS", "1"}};
  resolved = resolve_config(ignoring, one_core(), lookup);
  EXPECT_EQ(resolved.timeline_path, "");
  EXPECT_FALSE(resolved.progress);
  environment = {{"HETSCHED_PROGRESS", "sometimes"}};
  try {
    resolve_config(Config{}, one_core(), lookup);
    FAIL() << "expected a UsageError";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("HETSCHED_PROGRESS"), std::string::npos) << error.what();
  }
  environment = {};
}

}  // namespace
}  // namespace hetsched::detail
