// dmdas against model, and heteroprio against dmdas, on the simulated tiled Cholesky (StarPU's mirage timings, 16
// cores and 4 GPUs): the same graph, machine and replay for each, compared in the same run (the replay is
// deterministic), and the committed queues' bookkeeping seen from the schedule.
#include <gtest/gtest.h>

#include <string>

#include "machine.hpp"
#include "scheduler/policy.hpp"
#include "simulator.hpp"
#include "task_times.hpp"
#include "workloads/workloads.hpp"

namespace hetsched::bench {
namespace {

struct Cholesky {
  explicit Cholesky(int tiles) : graph(make(tiles)), times(resolve_task_times(graph, machine)) {}
  static TaskGraph make(int tiles) {
    WorkloadOptions options;
    options.tiles = tiles;
    options.tile_size = 960;
    return cholesky_workload(options);
  }
  Schedule run(const char* policy, std::uint32_t prefetch_depth) const {
    ReplayOptions options;
    options.record_transfers = false;
    options.prefetch_depth = prefetch_depth;
    return replay(graph, times, machine, *detail::make_policy(policy), options);
  }
  Machine machine = parse_machine("mirage,cpus=16,gpus=4");
  TaskGraph graph;
  TaskTimes times;
};

TEST(DmdasReplay, BeatsModelOnTheTwelveTileCholeskyWhenCommittedInputsArePrefetched) {
  const Cholesky cholesky(12);
  const Schedule model = cholesky.run("model", 2);
  const Schedule dmdas = cholesky.run("dmdas", 2);
  EXPECT_EQ(model.committed, 0u) << "model never commits";
  EXPECT_GT(dmdas.committed, 0u);
  EXPECT_EQ(dmdas.cpu_tasks + dmdas.gpu_tasks, cholesky.graph.size());
  EXPECT_LT(dmdas.makespan_s, 0.9 * model.makespan_s)
      << "dmdas " << dmdas.makespan_s << " s, model " << model.makespan_s;
  EXPECT_LT(dmdas.gpu_input_wait_s, 0.5 * model.gpu_input_wait_s) << "prefetched inputs overlap the kernels";
}

TEST(DmdasReplay, BeatsModelAtTwentyFourTilesWithoutPrefetch) {
  const Cholesky cholesky(24);
  const Schedule model = cholesky.run("model", 0);
  const Schedule dmdas = cholesky.run("dmdas", 0);
  EXPECT_LT(dmdas.makespan_s, model.makespan_s) << "dmdas " << dmdas.makespan_s << " s, model " << model.makespan_s;
  EXPECT_GT(dmdas.committed, 0u);
}

TEST(DmdasReplay, WithoutCommittedQueuesItWaitsAndStillFinishes) {
  const Cholesky cholesky(6);
  ReplayOptions options;
  options.commit_limit = 0;  // a scheduler that takes no Decision::commit
  const Schedule schedule = replay(cholesky.graph, cholesky.times, cholesky.machine, *detail::make_policy("dmdas"),
                                   options);
  EXPECT_EQ(schedule.committed, 0u);
  EXPECT_EQ(schedule.cpu_tasks + schedule.gpu_tasks, cholesky.graph.size());
}

/// How many of `schedule`'s tasks of kind `kind` ran their CPU body.
std::size_t on_cores(const Cholesky& cholesky, const Schedule& schedule, const std::string& kind) {
  std::size_t count = 0;
  for (std::uint32_t t = 0; t < cholesky.graph.size(); ++t) {
    const bool cpu = schedule.runs[t].gpu < 0;
    if (cpu && cholesky.graph.kind_names[cholesky.graph.tasks[t].kind] == kind) ++count;
  }
  return count;
}

TEST(HeteroprioReplay, BeatsDmdasAtTwelveAndTwentyFourTilesByMovingTrsmsToIdleCores) {
  for (int tiles : {12, 24}) {
    for (std::uint32_t prefetch_depth : {0u, 2u}) {
      const Cholesky cholesky(tiles);
      const Schedule dmdas = cholesky.run("dmdas", prefetch_depth);
      const Schedule heteroprio = cholesky.run("heteroprio", prefetch_depth);
      EXPECT_LT(heteroprio.makespan_s, 0.97 * dmdas.makespan_s)
          << tiles << " tiles, prefetch " << prefetch_depth << ": heteroprio " << heteroprio.makespan_s
          << " s, dmdas " << dmdas.makespan_s;
      EXPECT_GT(heteroprio.cpu_tasks, dmdas.cpu_tasks);
      EXPECT_GT(on_cores(cholesky, heteroprio, "trsm"), on_cores(cholesky, heteroprio, "gemm"))
          << "the kind the GPUs gain least on (7x against 31x) goes to the cores first";
      EXPECT_EQ(on_cores(cholesky, heteroprio, "potrf"), 0u) << "POTRF is on the critical path (high priority)";
    }
  }
}

}  // namespace
}  // namespace hetsched::bench
