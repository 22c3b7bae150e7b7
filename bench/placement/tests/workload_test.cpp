// The workloads: their shapes, determinism for a seed, and the errors a user's graph file gets.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "hetsched/error.hpp"
#include "lower_bound.hpp"
#include "machine.hpp"
#include "scheduler/policy.hpp"
#include "simulator.hpp"
#include "task_times.hpp"
#include "workloads/workloads.hpp"

namespace hetsched::bench {
namespace {

std::size_t count_kind(const TaskGraph& graph, const char* kind) {
  std::size_t count = 0;
  for (const GraphTask& task : graph.tasks) count += graph.kind_names[task.kind] == kind ? 1 : 0;
  return count;
}

TEST(Workload, CholeskyHasTheTiledAlgorithmsTaskCounts) {
  WorkloadOptions options;
  options.tiles = 12;
  const TaskGraph graph = cholesky_workload(options);
  const std::size_t n = 12;
  EXPECT_EQ(count_kind(graph, "potrf"), n);
  EXPECT_EQ(count_kind(graph, "trsm"), n * (n - 1) / 2);
  EXPECT_EQ(count_kind(graph, "syrk"), n * (n - 1) / 2);
  EXPECT_EQ(count_kind(graph, "gemm"), n * (n - 1) * (n - 2) / 6);
  EXPECT_EQ(graph.buffer_bytes.front(), 960u * 960u * 4u);
  EXPECT_EQ(graph.predecessor_count[0], 0u);  // only the first POTRF is ready at the start
  EXPECT_EQ(std::count(graph.predecessor_count.begin(), graph.predecessor_count.end(), 0u), 1);
}

TEST(Workload, LuAndMapReduceHaveTheirTaskCounts) {
  WorkloadOptions options;
  options.tiles = 5;
  const TaskGraph lu = lu_workload(options);
  EXPECT_EQ(count_kind(lu, "getrf"), 5u);
  EXPECT_EQ(count_kind(lu, "gemm"), 16u + 9 + 4 + 1);
  options.tasks = 6;
  const TaskGraph mr = map_reduce_workload(options);
  EXPECT_EQ(count_kind(mr, "map"), 6u);
  EXPECT_EQ(count_kind(mr, "reduce"), 5u);  // 6 -> 3 -> 2 -> 1
}

TEST(Workload, RandomDagsAreTheSameForASeedAndDifferForAnother) {
  WorkloadOptions options;
  options.seed = 5;
  options.tasks = 2000;
  const TaskGraph a = random_workload(options);
  const TaskGraph b = random_workload(options);
  options.seed = 6;
  const TaskGraph c = random_workload(options);
  EXPECT_EQ(a.size(), 2000u);
  EXPECT_EQ(a.successors, b.successors);
  EXPECT_EQ(a.buffer_bytes, b.buffer_bytes);
  EXPECT_NE(a.buffer_bytes, c.buffer_bytes);
}

TEST(Workload, AMachineWithoutGpusStillRunsEveryWorkloadOnItsCpus) {
  WorkloadOptions options;
  options.tiles = 4;
  options.tasks = 300;
  const Machine machine = parse_machine("mirage,gpus=0");
  for (const char* name : {"cholesky", "lu", "mapreduce"}) {
    SCOPED_TRACE(name);
    const TaskGraph graph = make_workload(name, options);
    const TaskTimes times = resolve_task_times(graph, machine);
    const Schedule schedule = replay(graph, times, machine, *detail::make_policy("model"));
    EXPECT_EQ(schedule.gpu_tasks, 0u);
    EXPECT_EQ(schedule.cpu_tasks, graph.size());
    EXPECT_LE(lower_bound(graph, times, machine).seconds(), schedule.makespan_s * (1 + 1e-12));
  }
  // The random DAG's kinds all have a CPU body, so it runs CPU-only too.
  const TaskGraph graph = random_workload(options);
  EXPECT_EQ(replay(graph, resolve_task_times(graph, machine), machine, *detail::make_policy("pack")).gpu_tasks, 0u);
}

/// The UsageError message from loading `text` as a graph file.
std::string graph_error(const std::string& text) {
  const std::string path = ::testing::TempDir() + "graph_test.json";
  std::ofstream(path) << text;
  WorkloadOptions options;
  options.file = path;
  std::string message = "no error";
  try {
    json_workload(options);
  } catch (const UsageError& e) {
    message = e.what();
  }
  std::remove(path.c_str());
  return message;
}

TEST(Workload, AJsonGraphLoadsWithBuffersDependenciesAndTimes) {
  const std::string path = ::testing::TempDir() + "graph_ok.json";
  std::ofstream(path) << R"({"buffers": {"a": 1000, "b": 2000},
    "tasks": [{"name": "load", "kind": "io", "cpu_s": 0.1, "outputs": ["a"]},
              {"name": "work", "kind": "dense", "cpu_s": 1.0, "gpu_s": 0.1, "inputs": ["a"], "outputs": ["b"]},
              {"name": "log", "kind": "io", "cpu_s": 0.01, "deps": ["work"]}]})";
  WorkloadOptions options;
  options.file = path;
  const TaskGraph graph = json_workload(options);
  std::remove(path.c_str());
  ASSERT_EQ(graph.size(), 3u);
  EXPECT_EQ(graph.task_name(1), "work");
  EXPECT_EQ(graph.predecessor_count[1], 1u);  // work reads what load wrote
  EXPECT_EQ(graph.predecessor_count[2], 1u);  // log's explicit dependency
  EXPECT_DOUBLE_EQ(graph.tasks[1].gpu_s, 0.1);
}

TEST(Workload, ABadJsonGraphIsAClearError) {
  EXPECT_NE(graph_error("{").find("is not JSON"), std::string::npos);
  EXPECT_NE(graph_error(R"({"tasks": [{"kind": "k"}]})").find("task 0 has no \"name\""), std::string::npos);
  EXPECT_NE(graph_error(R"({"tasks": [{"name": "t", "kind": "k", "inputs": ["x"]}]})").find("buffer 'x'"),
            std::string::npos);
  EXPECT_NE(graph_error(R"({"tasks": [{"name": "t", "kind": "k", "deps": ["u"]}]})").find("'u'"), std::string::npos);
  const std::string cycle = graph_error(R"({"tasks": [{"name": "p", "kind": "k", "deps": ["q"]},
                                                    {"name": "q", "kind": "k", "deps": ["p"]}]})");
  EXPECT_NE(cycle.find("cycle through task '"), std::string::npos) << cycle;
  EXPECT_TRUE(cycle.find("'p'") != std::string::npos || cycle.find("'q'") != std::string::npos) << cycle;
}

TEST(Workload, AKindWithNoTimeForAnyDeviceIsAnErrorThatNamesIt) {
  const std::string path = ::testing::TempDir() + "graph_untimed.json";
  std::ofstream(path) << R"({"tasks": [{"name": "t", "kind": "mystery"}]})";
  WorkloadOptions options;
  options.file = path;
  const TaskGraph graph = json_workload(options);
  std::remove(path.c_str());
  try {
    resolve_task_times(graph, parse_machine("cpus=4,gpus=1"));
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'mystery'"), std::string::npos) << e.what();
  }
}

TEST(Workload, AnUnknownWorkloadNameListsTheKnownOnes) {
  try {
    make_workload("qr", {});
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("\"cholesky\""), std::string::npos);
  }
}

}  // namespace
}  // namespace hetsched::bench
