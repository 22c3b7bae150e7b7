// Observability: the timeline (rt.timeline, HETSCHED_TIMELINE) as a Chrome trace with task events on lanes, their
// arguments, transfers, evictions and dependency arrows; list_tasks, list_objects and list_actors during a run; the
// counters and rt.summary().
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

using hetsched_test::Gate;
using hetsched_test::make_config;
using nlohmann::json;

constexpr std::size_t elements = 1024;
constexpr std::size_t buffer_bytes = elements * sizeof(int);

/// A fresh path under the test's temporary directory (removed first).
std::string temporary_path(const std::string& name) {
  auto path = std::filesystem::temp_directory_path() /
              ("hetsched-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove(path);
  return path.string();
}

json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("no file at " + path);
  return json::parse(in);
}

/// The events of a trace with phase `ph`.
std::vector<json> events_of(const json& trace, const std::string& ph) {
  std::vector<json> found;
  for (const json& event : trace.at("traceEvents")) {
    if (event.at("ph") == ph) found.push_back(event);
  }
  return found;
}

/// The name given to each lane (tid) by the trace's thread_name metadata.
std::map<int, std::string> lane_names(const json& trace) {
  std::map<int, std::string> names;
  for (const json& event : events_of(trace, "M")) {
    if (event.at("name") == "thread_name") names[event.at("tid").get<int>()] = event.at("args").at("name");
  }
  return names;
}

/// The one complete event named `name`.
json task_event(const json& trace, const std::string& name) {
  std::vector<json> found;
  for (const json& event : events_of(trace, "X")) {
    if (event.at("name") == name) found.push_back(event);
  }
  if (found.size() != 1) throw std::runtime_error(std::to_string(found.size()) + " events named " + name);
  return found.front();
}

long long sum(std::span<const int> values) { return std::accumulate(values.begin(), values.end(), 0LL); }

TEST(Timeline, RecordsTasksOnLanesWithTheirArgumentsTransfersEvictionsAndDependencies) {
  const std::string path = temporary_path("timeline.json");
  {
    hetsched::Config config = make_config(2, 1);
    config.logical_gpu_memory = buffer_bytes * 3 / 2;  // room for one buffer: the second evicts the first
    hetsched::Runtime rt{config};
    rt.timeline(path);
    auto produced = rt.task([] { return 20; }).name("produce").remote();
    auto consumed = rt.task([](int x) { return x + 1; }).name("consume").remote(produced);
    auto first = rt.put_buffer(std::vector<int>(elements, 1));
    auto second = rt.put_buffer(std::vector<int>(elements, 2));
    auto on_gpu = rt.task(sum).name("gpu sum").gpus(1).remote(hetsched::read(first));
    EXPECT_EQ(rt.get(on_gpu), static_cast<long long>(elements));
    EXPECT_EQ(rt.get(rt.task(sum).name("gpu sum 2").gpus(1).remote(hetsched::read(second))),
              2 * static_cast<long long>(elements));
    auto either = rt.task(hetsched::variants([](int x) { return x; }, [](int x) { return x; }))
                      .name("either body")
                      .gpus(1)
                      .remote(7);
    EXPECT_EQ(rt.get(consumed), 21);
    EXPECT_EQ(rt.get(either), 7);
    EXPECT_FALSE(std::filesystem::exists(path)) << "written at shutdown, not before";
  }
  const json trace = read_json(path);
  const auto lanes = lane_names(trace);

  const json produce = task_event(trace, "produce");
  const json consume = task_event(trace, "consume");
  const json gpu = task_event(trace, "gpu sum");
  EXPECT_EQ(produce.at("cat"), "task");
  EXPECT_EQ(produce.at("args").at("name"), "produce");
  EXPECT_EQ(produce.at("args").at("demand").at("CPU"), 1.0);
  EXPECT_EQ(produce.at("args").at("input_bytes"), 0);
  EXPECT_EQ(consume.at("args").at("input_bytes"), sizeof(int)) << "its argument is one int";
  EXPECT_FALSE(produce.at("args").contains("variant")) << "only variants tasks have one";
  EXPECT_EQ(lanes.at(produce.at("tid").get<int>()).rfind("CPU worker ", 0), 0u) << produce.dump();
  EXPECT_EQ(lanes.at(gpu.at("tid").get<int>()), "GPU 0 stream 0");
  EXPECT_EQ(gpu.at("args").at("demand").at("GPU"), 1.0);
  EXPECT_EQ(gpu.at("args").at("input_bytes"), buffer_bytes);
  EXPECT_GE(consume.at("ts").get<double>(), produce.at("ts").get<double>() + produce.at("dur").get<double>());
  const json either = task_event(trace, "either body");
  EXPECT_EQ(either.at("args").at("variant"), "gpu") << "the GPU was free";

  // One arrow, from the producer's event to the consumer's (the only ObjectRef dependency between two tasks).
  const auto starts = events_of(trace, "s");
  const auto finishes = events_of(trace, "f");
  ASSERT_EQ(starts.size(), 1u) << trace.dump(1);
  ASSERT_EQ(finishes.size(), 1u);
  EXPECT_EQ(starts[0].at("id"), finishes[0].at("id"));
  EXPECT_EQ(starts[0].at("tid"), produce.at("tid"));
  EXPECT_EQ(starts[0].at("ts"), produce.at("ts"));
  EXPECT_EQ(finishes[0].at("tid"), consume.at("tid"));
  EXPECT_EQ(finishes[0].at("ts"), consume.at("ts"));

  // Two host-to-GPU copies (one per buffer) on the GPU's copy lane, and the first buffer's eviction.
  int copies_in = 0;
  for (const json& event : events_of(trace, "X")) {
    if (event.at("cat") != "transfer") continue;
    EXPECT_EQ(lanes.at(event.at("tid").get<int>()), "GPU 0 copies");
    EXPECT_EQ(event.at("args").at("bytes"), buffer_bytes);
    EXPECT_EQ(event.at("args").at("from"), "host");
    ++copies_in;
  }
  EXPECT_EQ(copies_in, 2);
  // (A second eviction may come at shutdown, when the second buffer's replica is dropped if it still exists.)
  const auto evictions = events_of(trace, "i");
  ASSERT_GE(evictions.size(), 1u);
  const json second_read = task_event(trace, "gpu sum 2");
  EXPECT_GE(evictions[0].at("ts").get<double>(), gpu.at("ts").get<double>() + gpu.at("dur").get<double>());
  EXPECT_LE(evictions[0].at("ts").get<double>(), second_read.at("ts").get<double>()) << "made room for its input";
  EXPECT_EQ(evictions[0].at("cat"), "eviction");
  EXPECT_EQ(evictions[0].at("args").at("bytes"), buffer_bytes);
  EXPECT_EQ(evictions[0].at("args").at("written_back"), false);
  std::filesystem::remove(path);
}

TEST(Timeline, TasksSharingAGpuGetAStreamLaneEachWhileTheyOverlap) {
  const std::string path = temporary_path("streams.json");
  {
    hetsched::Runtime rt{make_config(3, 1)};
    rt.timeline(path);
    hetsched_test::Rendezvous both(2);  // the two halves of GPU 0 run at once
    auto half = [&both] { return both.arrive_and_wait(); };
    auto left = rt.task(half).name("left half").gpus(0.5).remote();
    auto right = rt.task(half).name("right half").gpus(0.5).remote();
    EXPECT_TRUE(rt.get(left));
    EXPECT_TRUE(rt.get(right));
    rt.get(rt.task([] { return 0; }).name("after both").gpus(1).remote());
  }
  const json trace = read_json(path);
  const auto lanes = lane_names(trace);
  auto lane_of = [&](const std::string& name) { return lanes.at(task_event(trace, name).at("tid").get<int>()); };
  std::set<std::string> halves{lane_of("left half"), lane_of("right half")};
  EXPECT_EQ(halves, (std::set<std::string>{"GPU 0 stream 0", "GPU 0 stream 1"}));
  EXPECT_EQ(lane_of("after both"), "GPU 0 stream 0");  // both lanes were free again: the first is reused
  std::filesystem::remove(path);
}

TEST(Timeline, NothingIsRecordedOrWrittenWithoutOne) {
  const std::string path = temporary_path("never.json");
  {
    hetsched::Runtime rt{make_config(1)};
    rt.get(rt.task([] { return 1; }).remote());
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(Timeline, HetschedTimelineWritesOneAtShutdown) {
  const std::string path = temporary_path("from-env.json");
  hetsched_test::ScopedEnv env("HETSCHED_TIMELINE", path);
  {
    hetsched::Config config = make_config(1);
    config.read_environment = true;
    hetsched::Runtime rt{config};
    rt.get(rt.task([] { return 1; }).name("from env").remote());
  }
  EXPECT_EQ(task_event(read_json(path), "from env").at("args").at("name"), "from env");
  std::filesystem::remove(path);
}

TEST(Timeline, AnUnwritablePathIsAWarningAtShutdownNotAFailure) {
  const std::string path = "/nonexistent-hetsched-dir/trace.json";
  hetsched_test::ScopedEnv env("HETSCHED_TIMELINE", path);
  testing::internal::CaptureStderr();
  {
    hetsched::Config config = make_config(1);
    config.read_environment = true;
    hetsched::Runtime rt{config};
    EXPECT_EQ(rt.get(rt.task([] { return 2; }).remote()), 2);
  }
  const std::string said = testing::internal::GetCapturedStderr();
  EXPECT_NE(said.find("warning: the timeline was not written"), std::string::npos) << said;
  EXPECT_NE(said.find(path), std::string::npos) << said;
}

TEST(Timeline, AnEmptyPathIsAUsageError) {
  hetsched::Runtime rt{make_config(1)};
  EXPECT_THROW(rt.timeline(""), hetsched::UsageError);
}

/// The one listed task named `name`.
hetsched::TaskInfo listed(const std::vector<hetsched::TaskInfo>& tasks, const std::string& name) {
  std::vector<hetsched::TaskInfo> found;
  for (const auto& task : tasks) {
    if (task.name == name) found.push_back(task);
  }
  if (found.size() != 1) throw std::runtime_error(std::to_string(found.size()) + " tasks named " + name);
  return found.front();
}

TEST(ListTasks, ShowsRunningQueuedAndWaitingTasksUntilTheyFinish) {
  hetsched::Runtime rt{make_config(1, 0, {{"Disk", 1}})};
  Gate started;
  Gate release;
  auto running = rt.task([&] {
                     started.open();
                     return release.wait();
                   })
                     .name("running")
                     .resource("Disk", 1)
                     .remote();
  ASSERT_TRUE(started.wait());
  auto queued = rt.task([] { return true; }).name("queued").remote();  // the only CPU is taken
  auto waiting = rt.task([](bool x) { return x; }).name("waiting").remote(running);

  const auto tasks = rt.list_tasks();
  EXPECT_EQ(tasks.size(), 3u);
  const auto first = listed(tasks, "running");
  EXPECT_EQ(first.status, hetsched::TaskStatus::running);
  EXPECT_EQ(first.kind, "task");
  EXPECT_EQ(first.demand.at("CPU"), 1.0);
  EXPECT_EQ(first.demand.at("Disk"), 1.0);
  EXPECT_EQ(first.result_id, running.id());
  EXPECT_EQ(listed(tasks, "queued").status, hetsched::TaskStatus::queued);
  EXPECT_EQ(listed(tasks, "waiting").status, hetsched::TaskStatus::waiting_for_inputs);
  EXPECT_EQ(hetsched::to_string(hetsched::TaskStatus::waiting_for_inputs), "waiting_for_inputs");

  const auto counters = rt.counters();
  EXPECT_EQ(counters.tasks_submitted, 3u);
  EXPECT_EQ(counters.tasks_running, 1u);
  EXPECT_EQ(counters.tasks_queued, 1u);
  EXPECT_EQ(counters.tasks_waiting, 1u);
  EXPECT_EQ(counters.tasks_finished, 0u);

  release.open();
  EXPECT_TRUE(rt.get(waiting));
  EXPECT_TRUE(rt.get(queued));
  EXPECT_TRUE(rt.list_tasks().empty()) << "a task whose result was seen is no longer listed";
  EXPECT_EQ(rt.counters().tasks_finished, 3u);
}

TEST(ListTasks, AVariantsTaskShowsItsChosenBody) {
  hetsched::Runtime rt{make_config(1, 1)};
  Gate started;
  Gate release;
  auto body = [&](int) {
    started.open();
    return release.wait();
  };
  auto ref = rt.task(hetsched::variants(body, body)).name("two bodies").gpus(1).remote(1);
  ASSERT_TRUE(started.wait());
  const auto task = listed(rt.list_tasks(), "two bodies");
  EXPECT_EQ(task.variant, "gpu");
  EXPECT_EQ(task.demand.at("GPU"), 1.0);
  release.open();
  EXPECT_TRUE(rt.get(ref));
}

TEST(ListTasks, ListingWhileTasksFinishSeesOnlyLiveTasks) {
  // Tasks finish on two workers while another thread lists them: every listing is consistent (no finished task,
  // no torn entry), and the counters add up once everything is done. Under TSan this is the registry's race test.
  hetsched::Runtime rt{make_config(2)};
  constexpr int tasks = 4000;
  std::atomic<bool> done{false};
  std::atomic<int> listings{0};
  std::thread lister([&] {
    while (!done.load()) {
      for (const auto& task : rt.list_tasks()) {
        EXPECT_NE(task.status, hetsched::TaskStatus::finished);
        EXPECT_EQ(task.name, "short");
      }
      for (const auto& object : rt.list_objects()) {
        if (object.status == hetsched::ObjectStatus::ready) {
          EXPECT_EQ(object.bytes, sizeof(int));
        }
        EXPECT_NE(object.status, hetsched::ObjectStatus::failed);
      }
      const auto counters = rt.counters();
      EXPECT_LE(counters.tasks_finished, counters.tasks_submitted);
      ++listings;
    }
  });
  std::vector<hetsched::ObjectRef<int>> refs;
  auto square = rt.task([&](int x) {
                  // The first task holds one worker until the lister has listed a few times while tasks ran.
                  if (x == 0) hetsched_test::eventually([&] { return listings.load() >= 20; });
                  return x * x;
                }).name("short");
  for (int i = 0; i < tasks; ++i) refs.push_back(square.remote(i % 100));
  const auto values = rt.get(refs);
  done = true;
  lister.join();
  EXPECT_EQ(values.at(99), 99 * 99);
  EXPECT_GE(listings.load(), 20);
  const auto counters = rt.counters();
  EXPECT_EQ(counters.tasks_submitted, static_cast<std::uint64_t>(tasks));
  EXPECT_EQ(counters.tasks_finished, static_cast<std::uint64_t>(tasks));
  EXPECT_EQ(counters.tasks_running + counters.tasks_queued + counters.tasks_waiting + counters.tasks_dispatched, 0u);
}

TEST(ListObjects, ShowsPendingReadyAndFailedObjectsWhileReferenced) {
  hetsched::Runtime rt{make_config(1)};
  Gate release;
  auto value = rt.put(std::vector<int>(100, 1));
  auto copy = value;
  auto failed = rt.task([]() -> int { throw std::runtime_error("no"); }).remote();
  EXPECT_THROW(rt.get(failed), std::runtime_error);
  auto pending = rt.task([&] { return release.wait(); }).remote();

  auto objects = rt.list_objects();
  ASSERT_EQ(objects.size(), 3u);
  EXPECT_EQ(objects[0].id, value.id()) << "sorted by id, the order they were made in";
  EXPECT_EQ(objects[0].status, hetsched::ObjectStatus::ready);
  EXPECT_EQ(objects[0].bytes, sizeof(std::vector<int>) + 100 * sizeof(int));
  EXPECT_EQ(objects[0].refs, 2u);
  EXPECT_EQ(objects[1].id, failed.id());
  EXPECT_EQ(objects[1].status, hetsched::ObjectStatus::failed);
  EXPECT_EQ(objects[2].id, pending.id());
  EXPECT_EQ(objects[2].status, hetsched::ObjectStatus::pending);
  EXPECT_EQ(hetsched::to_string(objects[2].status), "pending");

  release.open();
  EXPECT_TRUE(rt.get(pending));
  value.reset();
  copy.reset();
  failed.reset();
  // A finished task's record (which holds its result) may be freed a moment after its result is seen.
  EXPECT_TRUE(hetsched_test::eventually([&] { return rt.list_objects().size() == 1; }));
  objects = rt.list_objects();
  ASSERT_EQ(objects.size(), 1u) << "only the ref still held is listed";
  EXPECT_EQ(objects[0].id, pending.id());
  EXPECT_EQ(objects[0].status, hetsched::ObjectStatus::ready);
}

struct Worker {
  int work(Gate* started, Gate* release) {
    started->open();
    return release->wait() ? 1 : 0;
  }
};

TEST(ListActors, ShowsAnActorWithItsRunningAndPendingCalls) {
  hetsched::Runtime rt{make_config(2)};
  auto actor = rt.actor<Worker>().name("worker").remote();
  Gate started;
  Gate release;
  auto first = actor.call(&Worker::work, &started, &release);
  auto second = actor.call(&Worker::work, &started, &release);
  ASSERT_TRUE(started.wait());
  const auto actors = rt.list_actors();
  ASSERT_EQ(actors.size(), 1u);
  EXPECT_EQ(actors[0].name, "worker");
  EXPECT_NE(actors[0].class_name.find("Worker"), std::string::npos) << actors[0].class_name;
  EXPECT_EQ(actors[0].status, hetsched::ActorStatus::alive);
  EXPECT_EQ(actors[0].running_calls, 1);
  EXPECT_EQ(actors[0].pending_calls, 1u);
  std::multiset<std::string> calls;
  for (const auto& task : rt.list_tasks()) {
    EXPECT_EQ(task.name, "worker call");
    EXPECT_EQ(task.kind, "actor call");
    EXPECT_TRUE(task.demand.empty()) << "a call runs within its actor's resources";
    calls.insert(std::string(hetsched::to_string(task.status)));
  }
  release.open();
  EXPECT_EQ(calls.count("running"), 1u);
  EXPECT_EQ(calls.size(), 2u);
  EXPECT_EQ(rt.get(first) + rt.get(second), 2);
  hetsched_test::eventually([&] { return rt.list_actors().at(0).running_calls == 0; });
  EXPECT_EQ(rt.list_actors().at(0).pending_calls, 0u);
}

TEST(Counters, CountFailuresRetriesAndTransfersAndTheSummaryShowsThem) {
  hetsched::Runtime rt{make_config(2, 1)};
  std::atomic<int> runs{0};
  auto flaky = rt.task([&] {
                   if (runs++ == 0) throw std::runtime_error("first run fails");
                   return 1;
                 })
                   .max_retries(1)
                   .retry_exceptions(true)
                   .remote();
  EXPECT_EQ(rt.get(flaky), 1);
  auto failing = rt.task([]() -> int { throw std::runtime_error("always"); }).remote();
  EXPECT_THROW(rt.get(failing), std::runtime_error);
  auto buffer = rt.put_buffer(std::vector<int>(elements, 1));
  rt.get(rt.task(sum).gpus(1).remote(hetsched::read(buffer)));

  const auto counters = rt.counters();
  EXPECT_EQ(counters.tasks_submitted, 3u);
  EXPECT_EQ(counters.tasks_finished, 3u);
  EXPECT_EQ(counters.tasks_failed, 1u);
  EXPECT_EQ(counters.retries, 1u);
  EXPECT_EQ(counters.store.bytes_host_to_device, buffer_bytes);

  const std::string table = rt.summary();
  EXPECT_NE(table.find("submitted 3, finished 3, failed 1, retries 1"), std::string::npos) << table;
  EXPECT_NE(table.find("host->device 4.0 KiB in "), std::string::npos) << table;  // and the time it took
  EXPECT_NE(table.find("device->host 0 B, "), std::string::npos) << table;  // no copy, no time
  EXPECT_NE(table.find("evictions 0"), std::string::npos) << table;
  EXPECT_NE(table.find("spills 0"), std::string::npos) << table;
  EXPECT_NE(table.find("CPU 2 of 2 free"), std::string::npos) << table;
  EXPECT_NE(table.find("GPU 1 of 1 free"), std::string::npos) << table;
}

}  // namespace
