// The lower bounds: the area LP against its two-kind closed form, the dependency LP on hand-made graphs, and neither
// ever above any policy's makespan nor the dependency LP below the other two.
#include <gtest/gtest.h>

#include <random>

#include "dependency_bound.hpp"
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
    ASSERT_TRUE(bound.dependency_s.has_value());
    EXPECT_GE(*bound.dependency_s, bound.seconds() * (1 - 1e-9)) << "trial " << trial;
    for (const char* name : {"pack", "spread", "locality", "model", "random"}) {
      const Schedule schedule = replay(graph, times, machine, *detail::make_policy(name));
      EXPECT_LE(bound.seconds(), schedule.makespan_s * (1 + 1e-12)) << name << ", trial " << trial;
      EXPECT_LE(*bound.dependency_s, schedule.makespan_s * (1 + 1e-9)) << name << ", trial " << trial;
    }
  }
}

/// `count` tasks of 3 s on a core and 1 s on a GPU, each depending on the one before when `chained`.
TaskGraph three_to_one_tasks(int count, bool chained) {
  GraphBuilder graph;
  const std::uint32_t kind = graph.kind("x");
  std::uint32_t previous = 0;
  for (int t = 0; t < count; ++t) {
    const std::uint32_t task = graph.task({kind, 0, 0, 3.0, 1.0}, {});
    if (chained && t > 0) graph.depend(previous, task);
    previous = task;
  }
  return std::move(graph).build();
}

TEST(DependencyBound, AChainIsItsCriticalPathAndIndependentTasksTheirArea) {
  const Machine machine = parse_machine("cpus=4,gpus=1");
  // A chain of 3: each at GPU speed, one after another (the area, 9 s of core work over 4 cores, is less).
  TaskGraph chain = three_to_one_tasks(3, true);
  EXPECT_NEAR(*dependency_bound_lp(chain, resolve_task_times(chain, machine), 4, 1), 3.0, 1e-9);
  // 4 independent tasks on 1 core and 1 GPU: one on the core (3 s) while the GPU runs three; the critical path is 1 s.
  TaskGraph loose = three_to_one_tasks(4, false);
  EXPECT_NEAR(*dependency_bound_lp(loose, resolve_task_times(loose, parse_machine("cpus=1,gpus=1")), 1, 1), 3.0, 1e-9);
}

TEST(DependencyBound, AChainThatMustShareTheGpuGoesAboveBothOtherBounds) {
  // On 1 core and 1 GPU: a chain of 4 tasks of 3 s on the core or 1 s on the GPU, and 6 independent GPU-only tasks
  // of 1 s. Critical path 4 s. Area: x chain tasks on the core, 3x = 10 - x, 7.5 s. But the core's share lengthens
  // the chain (4 + 2x): 10 - x = 4 + 2x at x = 2, so 8 s, which a schedule attains (GPU, core, core, GPU along the
  // chain while the GPU-only tasks fill the GPU).
  GraphBuilder builder;
  const std::uint32_t kind = builder.kind("x");
  std::uint32_t previous = 0;
  for (int t = 0; t < 4; ++t) {
    const std::uint32_t task = builder.task({kind, 0, 0, 3.0, 1.0}, {});
    if (t > 0) builder.depend(previous, task);
    previous = task;
  }
  const std::uint32_t gpu_only = builder.kind("g");
  for (int t = 0; t < 6; ++t) builder.task({gpu_only, 0, 0, -1.0, 1.0}, {});
  const TaskGraph graph = std::move(builder).build();
  const Machine machine = parse_machine("cpus=1,gpus=1");
  const TaskTimes times = resolve_task_times(graph, machine);
  const LowerBound bound = lower_bound(graph, times, machine);
  EXPECT_NEAR(bound.area_s, 7.5, 1e-9);
  EXPECT_NEAR(bound.critical_path_s, 4.0, 1e-9);
  ASSERT_TRUE(bound.dependency_s.has_value());
  EXPECT_NEAR(*bound.dependency_s, 8.0, 1e-9);
  for (const char* name : {"pack", "model", "dmdas"}) {
    EXPECT_LE(*bound.dependency_s, replay(graph, times, machine, *detail::make_policy(name)).makespan_s * (1 + 1e-9));
  }
}

TEST(DependencyBound, IsNotComputedPastItsSizeLimit) {
  GraphBuilder builder;
  const std::uint32_t kind = builder.kind("x");
  for (std::size_t t = 0; t <= dependency_bound_max_tasks; ++t) builder.task({kind, 0, 0, 1.0, 1.0}, {});
  const TaskGraph graph = std::move(builder).build();
  const Machine machine = parse_machine("cpus=2,gpus=1");
  EXPECT_FALSE(dependency_bound_lp(graph, resolve_task_times(graph, machine), 2, 1).has_value());
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
