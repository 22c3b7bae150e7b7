// dmdas against model on the simulated tiled Cholesky (StarPU's mirage timings, 16 cores and 4 GPUs): the same graph,
// machine and replay for both, compared in the same run (the replay is deterministic), and the committed queues'
// bookkeeping seen from the schedule.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace hetsched::bench
