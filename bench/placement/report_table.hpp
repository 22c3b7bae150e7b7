// The text report: a header with the workload, machine and bound, then one row per policy.
#pragma once

#include <string>

#include "placement_run.hpp"

namespace hetsched::bench {

/// The report as text: makespan, bound, ratio, bytes per link kind, utilisation of the cores and of each GPU, and
/// tasks per body, per policy.
std::string format_table(const PlacementRun& run);
/// The real runs' rows (--machine detected): per policy the simulated and real makespans, their ratio, the tasks
/// that ran per body (and the replay's), the bytes the store moved, the sleeps' mean overshoot and the submitting time.
std::string format_real_runs(const PlacementRun& run);

}  // namespace hetsched::bench
