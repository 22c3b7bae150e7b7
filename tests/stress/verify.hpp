/// @file verify.hpp
/// @brief The invariants checked once a run is quiescent, and the figures printed about it.
#pragma once

#include <string>
#include <vector>

#include "plan.hpp"
#include "run_graph.hpp"

namespace hetsched_stress {

/// What the checks found: every broken invariant as one sentence, and counts for the summary.
struct Verdict {
  std::vector<std::string> violations;
  int values = 0;
  int task_errors = 0;
  int cancelled = 0;
  int actor_died = 0;
  int cancels_asked = 0;
  int cancels_true = 0;
  int injected_failures = 0;
  int kills = 0;
  int children = 0;
};

/// Checks `record` against `plan`; `shutdown_under_load` relaxes what may fail (anything may be cancelled) and skips
/// what a shutdown makes unknowable (the final buffers, the quiescence of a runtime that is gone).
Verdict verify(const Plan& plan, const RunRecord& record, bool shutdown_under_load);

}  // namespace hetsched_stress
