// A self-contained HTML page (inline SVG and CSS, no scripts from elsewhere) with one Gantt chart per policy: a lane
// per CPU core and per GPU, a thin lane under each GPU for the copies into it, tasks coloured by kind, a tooltip on
// every task and copy.
#pragma once

#include <string>

#include "placement_run.hpp"

namespace hetsched::bench {

/// Most tasks the page draws per policy (a browser struggles beyond).
inline constexpr std::size_t gantt_max_tasks = 50000;

/// The page for every schedule of `run`. Throws UsageError when the graph has more than gantt_max_tasks tasks.
std::string gantt_html(const PlacementRun& run);

}  // namespace hetsched::bench
