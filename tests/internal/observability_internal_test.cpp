// The pieces behind Runtime's observability: the store's live-object registry under concurrent adds, removes and
// walks; the progress reporter's line, its period and its prompt stop; HETSCHED_TIMELINE and HETSCHED_PROGRESS
// resolution.
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
#include "store/accounting.hpp"
#include "hetsched/detail/object_entry.hpp"
#include "test_task.hpp"

namespace hetsched::detail {
namespace {

constexpr std::chrono::seconds hang_guard{30};

/// A registered entry holding an int, with one internal hold (released to free it).
ObjectEntry* make_entry(StoreAccounting& accounting, std::uint64_t id) {
  auto* entry = new TypedObject<int>();
  entry->retain_internal();
  entry->adopt(id, &accounting);
  return entry;
}

TEST(ObjectRegistry, WalksSeeExactlyTheLiveObjectsWhileOthersComeAndGo) {
  // Four threads make and free their own entries; a fifth walks the registry as list_tasks does (holding pending
  // entries that are not being freed, then dropping them). A walk must see every resident entry and none freed;
  // under TSan this is the registry's race test (links, and a hold racing the last release).
  AccountingHold accounting;
  std::vector<ObjectEntry*> resident;
  for (std::uint64_t id = 1; id <= 16; ++id) resident.push_back(make_entry(*accounting.get(), id));
  std::atomic<bool> stop{false};
  std::vector<std::thread> churn;
  for (int thread = 0; thread < 4; ++thread) {
    churn.emplace_back([&, thread] {
      std::vector<ObjectEntry*> mine;
      for (std::uint64_t i = 0; i < 3000; ++i) {
        mine.push_back(make_entry(*accounting.get(), 1000 + thread * 10000 + i));
        if (mine.size() > 8) {
          mine.front()->release_internal();
          mine.erase(mine.begin());
        }
      }
      for (ObjectEntry* entry : mine) entry->release_internal();
    });
  }
  std::atomic<int> walks{0};
  std::thread walker([&] {
    while (!stop.load() || walks.load() == 0) {
      int residents = 0;
      std::vector<ObjectEntry*> held;
      accounting.get()->listed.for_each([&](const ObjectEntry& entry) {
        if (entry.id() <= 16) ++residents;
        auto& mutable_entry = const_cast<ObjectEntry&>(entry);
        if (entry.state() == ObjectState::pending && mutable_entry.try_retain_internal()) held.push_back(&mutable_entry);
      });
      for (ObjectEntry* entry : held) entry->release_internal();
      EXPECT_EQ(residents, 16);
      ++walks;
    }
  });
  for (auto& thread : churn) thread.join();
  stop = true;
  walker.join();
  int listed = 0;
  accounting.get()->listed.for_each([&](const ObjectEntry&) { ++listed; });
  EXPECT_EQ(listed, 16);
  EXPECT_EQ(accounting.get()->objects(), 16u);
  for (ObjectEntry* entry : resident) entry->release_internal();
  listed = 0;
  accounting.get()->listed.for_each([&](const ObjectEntry&) { ++listed; });
  EXPECT_EQ(listed, 0);
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
