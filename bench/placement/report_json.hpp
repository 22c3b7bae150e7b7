// The --json report: per policy its figures, and per kernel its count and modelled times, so anyone can recompute
// the bound.
#pragma once

#include <nlohmann/json.hpp>

#include "placement_run.hpp"

namespace hetsched::bench {

/// {"workload", "machine", "tasks", "lower_bound_s", "dependency_bound_s" (null past its size limit), "policies": [...],
/// "kernels": {KIND: {"count", "cpu_s", "gpu_s", "cpu_total_s", "gpu_total_s"}}, "real": [...]} ("real" holds the
/// --machine detected runs, else is empty).
nlohmann::json report_json(const PlacementRun& run);

}  // namespace hetsched::bench
