// A tighter lower bound than lower_bound.hpp's: one linear program that couples the area and the dependencies (the
// relaxation of StarPU's src/profiling/bound.c with dependencies on, whose integer program fixes each task to one
// device kind). Per task t: the fractions x_cpu + x_gpu = 1 of it on each device kind, its start s_t >= 0 and its
// length x_cpu * cpu_t + x_gpu * gpu_t; every successor starts after it ends, every task ends by T, and each kind's
// work is at most its count x T. Minimise T. Any schedule (with transfers free) gives a feasible point with its
// makespan as T, so the optimum is a lower bound; it is at least the critical path (each length is at least the
// task's fastest time) and at least the area bound (dropping the start and end rows leaves that LP).
#pragma once

#include <cstddef>
#include <optional>

#include "task_graph.hpp"
#include "task_times.hpp"

namespace hetsched::bench {

/// Graphs larger than this get no dependency bound: its LP has one row per dependency and grows past what GLPK's
/// simplex solves in seconds.
inline constexpr std::size_t dependency_bound_max_tasks = 3000;

/// The optimum of the LP above for `graph` on `cpus` cores and `gpus` GPUs; nothing for a graph of more than
/// dependency_bound_max_tasks tasks. Throws hetsched::Error when GLPK fails.
std::optional<double> dependency_bound_lp(const TaskGraph& graph, const TaskTimes& times, int cpus, int gpus);

}  // namespace hetsched::bench
