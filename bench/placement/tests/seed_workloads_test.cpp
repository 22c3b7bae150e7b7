// The seeds' four programs as workloads: their shapes, and replays whose makespans follow from the seeds' own
// arithmetic (4 tasks of 1 s on 4 CPUs take 1 s; the wait loop ends 1 s after the last result it processes).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "hetsched/error.hpp"
#include "machine.hpp"
#include "scheduler/policy.hpp"
#include "simulator.hpp"
#include "task_times.hpp"
#include "workloads/workloads.hpp"

namespace hetsched::bench {
namespace {

Schedule replay_on(const TaskGraph& graph, const char* machine_spec, const char* policy = "pack") {
  const Machine machine = parse_machine(machine_spec);
  return replay(graph, resolve_task_times(graph, machine), machine, *detail::make_policy(policy));
}

TEST(SeedWorkload, DelayGetsFourSecondTasksTakeOneSecondOnFourCpusAndTwoOnTwo) {
  const TaskGraph graph = make_workload("seed-delay-get", {});
  ASSERT_EQ(graph.size(), 4u);
  EXPECT_TRUE(graph.successors.empty());  // independent: only the driver's one get joins them
  EXPECT_DOUBLE_EQ(replay_on(graph, "cpus=4,gpus=0").makespan_s, 1.0);
  EXPECT_DOUBLE_EQ(replay_on(graph, "cpus=2,gpus=0").makespan_s, 2.0);
}

TEST(SeedWorkload, TinyTasksBatchesTheCallsAndKeepsTheirTotalWork) {
  WorkloadOptions options;
  const TaskGraph batched = make_workload("seed-tiny-tasks", options);
  ASSERT_EQ(batched.size(), 100u);  // the seed's mega_work: 1000 calls each
  EXPECT_EQ(batched.kind_names[batched.tasks[0].kind], "mega_work");
  EXPECT_NEAR(batched.tasks[0].cpu_s, 0.1, 1e-12);
  options.batch = 300;
  const TaskGraph uneven = make_workload("seed-tiny-tasks", options);
  ASSERT_EQ(uneven.size(), 334u);  // 333 full batches and one of 100 calls
  EXPECT_NEAR(uneven.tasks.back().cpu_s, 0.01, 1e-12);
  double total = 0;
  for (const GraphTask& task : uneven.tasks) total += task.cpu_s;
  EXPECT_NEAR(total, 10.0, 1e-9);  // 100000 calls of 0.1 ms, however they are batched
  options.batch = 1;
  options.tasks = 1000;
  const TaskGraph tiny = make_workload("seed-tiny-tasks", options);
  EXPECT_EQ(tiny.size(), 1000u);
  EXPECT_EQ(tiny.kind_names[tiny.tasks[0].kind], "tiny_work");
  EXPECT_NEAR(replay_on(tiny, "cpus=4,gpus=0").makespan_s, 1000 * 1e-4 / 4, 1e-9);
  options.batch = 0;
  EXPECT_THROW(make_workload("seed-tiny-tasks", options), UsageError);
}

TEST(SeedWorkload, LargeObjectIsPutOnceSoEachGpuCopiesItAtMostOnce) {
  const TaskGraph graph = make_workload("seed-large-object", {});
  ASSERT_EQ(graph.size(), 10u);
  ASSERT_EQ(graph.buffer_bytes.size(), 1u);
  EXPECT_EQ(graph.buffer_bytes[0], 200'000'000u);  // 5000 x 5000 doubles
  // On GPUs only, every no_work reads the one matrix: one copy to each GPU that ran any, never one per task.
  const Schedule schedule = replay_on(graph, "cpus=0,gpus=2,h2d=10GB/s,latency=0us", "spread");
  EXPECT_EQ(schedule.gpu_tasks, 10u);
  int gpus_used = 0;
  for (double busy : schedule.gpu_busy_s) gpus_used += busy > 0 ? 1 : 0;
  EXPECT_EQ(gpus_used, 2);
  EXPECT_EQ(schedule.total_bytes(), 2u * 200'000'000u);  // from the host, or the second from the first GPU
}

TEST(SeedWorkload, PipelineProcessesResultsInFinishingOrderAndEndsAsTheWaitLoopWould) {
  WorkloadOptions options;
  options.seed = 7;
  const TaskGraph graph = make_workload("seed-pipeline", options);
  ASSERT_EQ(graph.size(), 8u);  // 4 do_some_work, 4 process_incremental
  std::vector<double> sleeps;
  for (std::uint32_t t = 0; t < 4; ++t) {
    EXPECT_EQ(graph.kind_names[graph.tasks[t].kind], "do_some_work");
    EXPECT_GE(graph.tasks[t].cpu_s, 0.0);
    EXPECT_LT(graph.tasks[t].cpu_s, 4.0);
    sleeps.push_back(graph.tasks[t].cpu_s);
  }
  // examples/pipeline_wait.cpp's estimate: results in finishing order, each processed for 1 s after the previous.
  std::sort(sleeps.begin(), sleeps.end());
  double finished = 0;
  for (double sleep_s : sleeps) finished = std::max(finished, sleep_s) + 1.0;
  EXPECT_NEAR(replay_on(graph, "cpus=4,gpus=0").makespan_s, finished, 1e-9);
  // Another seed draws other sleeps.
  options.seed = 8;
  EXPECT_NE(make_workload("seed-pipeline", options).tasks[0].cpu_s, graph.tasks[0].cpu_s);
}

}  // namespace
}  // namespace hetsched::bench
