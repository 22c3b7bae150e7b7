// A replay as a Chrome trace (Perfetto): one process per policy, a lane per CPU core, per GPU and per GPU's links,
// tasks as complete events, copies on their link lanes with an arrow to the task that needed them.
#pragma once

#include "placement_run.hpp"
#include "trace/chrome_trace.hpp"

namespace hetsched::bench {

/// Every schedule of `run` in one trace.
detail::ChromeTrace schedule_trace(const PlacementRun& run);

}  // namespace hetsched::bench
