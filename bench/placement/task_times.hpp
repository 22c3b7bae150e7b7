// How long each task of a graph runs on one CPU core and on one GPU of a machine: the table the simulator, the
// policies' predictions and the lower bound all read.
#pragma once

#include <vector>

#include "machine.hpp"
#include "task_graph.hpp"

namespace hetsched::bench {

/// Per-task seconds on each device kind; below 0 where the task has no body for that kind (or the machine none).
struct TaskTimes {
  std::vector<double> cpu_s;  ///< On one CPU core.
  std::vector<double> gpu_s;  ///< On one GPU.
};

/// The times of every task of `graph` on `machine`: its explicit times, else the machine's timing of its kind scaled
/// by flops, else its flops at the machine's FLOP rates. Throws UsageError naming a kind that can run nowhere.
TaskTimes resolve_task_times(const TaskGraph& graph, const Machine& machine);

}  // namespace hetsched::bench
