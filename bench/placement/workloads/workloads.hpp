// The task graphs `hetsched-bench placement --workload NAME` replays, and the settings they take.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "task_graph.hpp"

namespace hetsched::bench {

/// Every workload's settings (each workload reads its own).
struct WorkloadOptions {
  int tiles = 12;              ///< cholesky, lu: tiles per side.
  int tile_size = 960;         ///< cholesky, lu: elements per tile side (single precision).
  std::uint64_t seed = 1;      ///< random, mapreduce: the generator's seed.
  int width = 64;              ///< random: mean tasks per layer.
  int depth = 16;              ///< random: layers.
  int fan_in = 3;              ///< random: most inputs per task from the layer above.
  std::uint64_t tasks = 0;     ///< random: total tasks (overrides depth when set); mapreduce: mappers; the seeds:
                               ///< their tasks (seed-tiny-tasks: tiny_work calls).
  int batch = 1000;            ///< seed-tiny-tasks: tiny_work calls per task (1: the seed's slow first version).
  std::string file;            ///< json: the graph file.
};

/// Tiled Cholesky (right-looking, lower): POTRF, TRSM, SYRK, GEMM on `tiles` x `tiles` tiles of `tile_size`.
TaskGraph cholesky_workload(const WorkloadOptions& options);
/// Tiled LU without pivoting: GETRF, TRSM (row and column), GEMM.
TaskGraph lu_workload(const WorkloadOptions& options);
/// Random layered DAG: layer sizes, inputs per task and sizes drawn from the seed.
TaskGraph random_workload(const WorkloadOptions& options);
/// Map-reduce: `tasks` mappers over input chunks, a binary tree of reducers.
TaskGraph map_reduce_workload(const WorkloadOptions& options);
/// A user's graph from a JSON file (see BENCHMARKS.md for the format).
TaskGraph json_workload(const WorkloadOptions& options);

/// Tip 1 of the seeds: 4 independent do_some_work tasks of 1 s, got together.
TaskGraph seed_delay_get_workload(const WorkloadOptions& options);
/// Tip 2 of the seeds: 100000 tiny_work calls of 0.1 ms, `batch` per task.
TaskGraph seed_tiny_tasks_workload(const WorkloadOptions& options);
/// Tip 3 of the seeds: a 200 MB matrix put once, read by 10 no_work tasks.
TaskGraph seed_large_object_workload(const WorkloadOptions& options);
/// Tip 4 of the seeds: 4 tasks of uniform(0, 4) s, each result processed (1 s) in finishing order.
TaskGraph seed_pipeline_workload(const WorkloadOptions& options);

/// The workload named `name`: "cholesky", "lu", "random", "mapreduce", "json", "seed-delay-get",
/// "seed-tiny-tasks", "seed-large-object" or "seed-pipeline". Throws UsageError for another.
TaskGraph make_workload(std::string_view name, const WorkloadOptions& options);

}  // namespace hetsched::bench
