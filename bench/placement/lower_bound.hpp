// A lower bound on any schedule's makespan: the larger of the critical path (each task at its fastest, transfers
// free) and the area bound, StarPU's src/profiling/bound.c linear program with dependencies off: minimise T so that
// the work placed on each device kind is at most (its count) x T, with every task placed. The ratios are taken against
// it; the tighter dependency_bound.hpp is computed beside it.
#pragma once

#include <optional>
#include <vector>

#include "machine.hpp"
#include "task_graph.hpp"
#include "task_times.hpp"

namespace hetsched::bench {

/// The work of a set of tasks whose CPU/GPU time ratio is the same, so the LP may split it by any fraction.
struct WorkGroup {
  double cpu_s = 0;  ///< Seconds on one core for all of them (below 0: they have no CPU body).
  double gpu_s = 0;  ///< Seconds on one GPU for all of them (below 0: no GPU body).
};

/// The bound and its two parts.
struct LowerBound {
  double critical_path_s = 0;  ///< Longest dependency chain, each task at its fastest device kind.
  double area_s = 0;           ///< The LP's optimum.
  /// The tighter bound of dependency_bound.hpp (area and dependencies in one LP), reported beside this one; nothing
  /// for graphs too large for it.
  std::optional<double> dependency_s;
  /// The larger of the two (the bound the ratios are taken against).
  double seconds() const noexcept { return critical_path_s > area_s ? critical_path_s : area_s; }
};

/// The tasks of `graph` grouped by kind and CPU/GPU time ratio.
std::vector<WorkGroup> work_groups(const TaskGraph& graph, const TaskTimes& times);
/// The area bound of `groups` on `cpus` cores and `gpus` GPUs, solved exactly with GLPK (simplex, then its exact
/// rational solver for LPs up to a few thousand groups).
double area_bound_lp(const std::vector<WorkGroup>& groups, int cpus, int gpus);
/// The same bound by the closed form for two device kinds: groups go to the GPUs most GPU-favoured first until both
/// kinds finish together.
double area_bound_two_kinds(const std::vector<WorkGroup>& groups, int cpus, int gpus);
/// The longest dependency chain of `graph`, each task at its fastest.
double critical_path_seconds(const TaskGraph& graph, const TaskTimes& times);
/// Both parts for a replay of `graph` on `machine`.
LowerBound lower_bound(const TaskGraph& graph, const TaskTimes& times, const Machine& machine);

}  // namespace hetsched::bench
