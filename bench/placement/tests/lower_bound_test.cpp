// The lower bound: the LP against its two-kind closed form, and never above any policy's makespan.
#include <gtest/gtest.h>

#include <random>

#include "graph_builder.hpp"
#include "lower_bound.hpp"
#include "machine.hpp"
#include "scheduler/policy.hpp"
#include "simulator.hpp"
#include "workloads/workloads.hpp"

namespace hetsched::bench {
namespace {

TEST(LowerBound, TheLinearProgramMatchesTheTwoKindClosedForm) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> work(0.1, 100.0);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<WorkGroup> groups(1 + random() % 6);
    for (WorkGroup& group : groups) {
      group.cpu_s = work(random);
      group.gpu_s = work(random) / 10;
      if (random() % 8 == 0) group.cpu_s = -1;  // GPU only
      else if (random() % 8 == 0) group.gpu_s = -1;  // CPU only
    }
    const int cpus = 1 + static_cast<int>(random() % 16);
    const int gpus = static_cast<int>(random() % 5);
    bool runnable = true;
    for (const WorkGroup& group : groups) runnable = runnable && !(gpus == 0 && group.cpu_s < 0);
    if (!runnable) continue;
    const double closed = area_bound_two_kinds(groups, cpus, gpus);
    EXPECT_NEAR(area_bound_lp(groups, cpus, gpus), closed, 1e-9 * closed) << "trial " << trial;
  }
}

TEST(LowerBound, OneKindOfWorkSplitsSoBothDeviceKindsFinishTogether) {
  // 100 s on a core or 10 s on a GPU, with 10 cores and 1 GPU: each kind does 0.1 of the work per second, T = 5 s.
  EXPECT_DOUBLE_EQ(area_bound_two_kinds({{100, 10}}, 10, 1), 5.0);
  EXPECT_NEAR(area_bound_lp({{100, 10}}, 10, 1), 5.0, 1e-12);
}

/// A random DAG with explicit times: tasks read one to three earlier tasks' outputs.
TaskGraph random_graph(std::mt19937_64& random, int tasks) {
  GraphBuilder graph;
  std::uniform_real_distribution<double> seconds(0.01, 1.0);
  std::vector<std::uint32_t> outputs;
  const std::uint32_t kinds[3] = {graph.kind("x"), graph.kind("y"), graph.kind("z")};
  for (int t = 0; t < tasks; ++t) {
    std::vector<BufferUse> uses;
    for (int i = 0; i < 3 && !outputs.empty(); ++i) {
      if (random() % 2) uses.push_back({outputs[random() % outputs.size()], Access::read});
    }
    std::sort(uses.begin(), uses.end(), [](auto a, auto b) { return a.buffer < b.buffer; });
    uses.erase(std::unique(uses.begin(), uses.end(), [](auto a, auto b) { return a.buffer == b.buffer; }), uses.end());
    const std::uint32_t out = graph.buffer(1'000'000 * (1 + random() % 50));
    uses.push_back({out, Access::write});
    outputs.push_back(out);
    const std::uint32_t kind = kinds[random() % 3];
    double cpu = seconds(random);
    double gpu = kind == kinds[2] ? -1 : cpu / (1 + static_cast<double>(random() % 30));
    graph.task({kind, static_cast<int>(random() % 3), 0, cpu, gpu}, uses);
  }
  return std::move(graph).build();
}

TEST(LowerBound, NeverExceedsAnyPolicysMakespanOnRandomDags) {
  std::mt19937_64 random(11);
  for (int trial = 0; trial < 20; ++trial) {
    const TaskGraph graph = random_graph(random, 50 + static_cast<int>(random() % 200));
    const Machine machine = parse_machine("cpus=" + std::to_string(1 + random() % 8) +
                                          ",gpus=" + std::to_string(random() % 4) + ",h2d=10GB/s,d2h=10GB/s");
    const TaskTimes times = resolve_task_times(graph, machine);
    const LowerBound bound = lower_bound(graph, times, machine);
    for (const char* name : {"pack", "spread", "locality", "model", "random"}) {
      const Schedule schedule = replay(graph, times, machine, *detail::make_policy(name));
      EXPECT_LE(bound.seconds(), schedule.makespan_s * (1 + 1e-12)) << name << ", trial " << trial;
    }
  }
}

TEST(LowerBound, CholeskyCriticalPathFollowsThePanelChain) {
  // One tile: just POTRF, at its fastest kind.
  Machine machine = parse_machine("cpus=2,gpus=1");
  machine.kernels["potrf"] = {1.0, 3.0, 2.0};
  machine.kernels["trsm"] = {1.0, 5.0, 1.0};
  machine.kernels["syrk"] = {1.0, 5.0, 1.0};
  machine.kernels["gemm"] = {1.0, 5.0, 1.0};
  WorkloadOptions options;
  options.tiles = 2;
  options.tile_size = 1;  // flops scale the timings: potrf 1/3, trsm 1, syrk 1, gemm 2 of the timing's 1 flop
  const TaskGraph graph = cholesky_workload(options);
  const TaskTimes times = resolve_task_times(graph, machine);
  // potrf(0) -> trsm(1,0) -> syrk(1,1) -> potrf(1): 2/3 + 1 + 1 + 2/3.
  EXPECT_NEAR(critical_path_seconds(graph, times), 2.0 / 3 + 1 + 1 + 2.0 / 3, 1e-12);
}

}  // namespace
}  // namespace hetsched::bench
