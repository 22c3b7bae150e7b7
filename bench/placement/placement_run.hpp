// One `hetsched-bench placement` run: a workload on a machine, replayed with each chosen policy, with the bound and
// the per-kind figures every report prints.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lower_bound.hpp"
#include "machine.hpp"
#include "real_run.hpp"
#include "schedule.hpp"
#include "task_graph.hpp"
#include "task_times.hpp"

namespace hetsched::bench {

/// One task kind's count and modelled times (per task and in total), so the bound can be recomputed.
struct KernelSummary {
  std::string kind;            ///< Its name.
  std::uint64_t count = 0;     ///< Tasks of that kind.
  double cpu_s = -1;           ///< Mean seconds per task on one core (below 0: no CPU body).
  double gpu_s = -1;           ///< Mean seconds per task on one GPU (below 0: no GPU body).
  double cpu_total_s = -1;     ///< Sum over its tasks on one core.
  double gpu_total_s = -1;     ///< Sum over its tasks on one GPU.
};

/// Everything the reports need.
struct PlacementRun {
  std::string workload;                 ///< A one-line description of the workload.
  Machine machine;                      ///< The machine replayed on.
  TaskGraph graph;                      ///< The graph.
  TaskTimes times;                      ///< Its modelled times.
  LowerBound bound;                     ///< The bound.
  std::vector<KernelSummary> kernels;   ///< Per kind, in kind order.
  std::vector<Schedule> schedules;      ///< One per policy, in the order asked.
  std::vector<RealRun> real_runs;       ///< With --machine detected: one per policy, in the same order.
};

/// Per-kind counts and modelled times of `graph`.
std::vector<KernelSummary> summarise_kernels(const TaskGraph& graph, const TaskTimes& times);

}  // namespace hetsched::bench
