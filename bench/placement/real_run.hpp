// A task graph run for real on a hetsched Runtime: every task becomes a runtime task (a CPU body, a GPU body, or both
// through hetsched::variants), declaring the graph's buffers as hetsched::Buffer accesses so that the runtime derives
// the same dependencies and moves the same bytes, under the placement policy being evaluated. Each body sleeps for
// the task's modelled time on the device kind it got. What happened comes back as a Schedule, like a replay's.
#pragma once

#include <cstdint>
#include <string>

#include "hetsched/runtime.hpp"
#include "schedule.hpp"
#include "task_graph.hpp"
#include "task_times.hpp"

namespace hetsched::bench {

/// Buffer uses the real run supports per task: reads, read-writes and writes (each body's arity is fixed at compile
/// time, so every combination up to these is instantiated).
inline constexpr std::uint32_t real_run_most_reads = 4;
inline constexpr std::uint32_t real_run_most_read_writes = 1;
inline constexpr std::uint32_t real_run_most_writes = 1;

/// One real run of a graph.
struct RealRun {
  Schedule schedule;              ///< Where and when each body ran (seconds from the first submission), the bytes
                                  ///< the store copied, the tasks per body; cpu_slot is a lane assigned afterwards.
  std::uint64_t tasks_ran = 0;    ///< Bodies that ran (every task's, when the run is complete).
  double submit_s = 0;            ///< Seconds the submissions took.
  double mean_overrun_s = 0;      ///< Mean of (a body's measured time - its modelled time): the sleeps' overshoot.
  double last_body_end_s = 0;     ///< When the last body returned (makespan_s is when get returned).
};

/// Checks that `graph` can run for real: no explicit (non-buffer) dependencies, no task with more buffer uses than
/// the limits above. Throws UsageError naming the first task that cannot, and saying what to change.
void check_runnable(const TaskGraph& graph);

/// Runs `graph` on `runtime` with every task placed by `policy` (TaskBuilder::policy), each body sleeping for
/// `times` on its device kind; the buffers are put fresh (valid on the host only, as a replay starts) and dropped
/// after. Returns once every task has finished. Throws what check_runnable throws, and a task's failure.
RealRun run_for_real(const TaskGraph& graph, const TaskTimes& times, Runtime& runtime, const std::string& policy);

}  // namespace hetsched::bench
