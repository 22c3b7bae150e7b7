// The discrete-event replay: a task graph on a modelled machine, placed by one of the runtime's own policies
// (make_policy) through the same Snapshot the runtime's scheduler fills, queued by the scheduler's discipline
// (class_queues.hpp), its buffers moved by the replica model. Deterministic: equal inputs give equal schedules.
#pragma once

#include <cstdint>
#include <functional>

#include "machine.hpp"
#include "schedule.hpp"
#include "scheduler/policy.hpp"
#include "task_graph.hpp"
#include "task_times.hpp"

namespace hetsched::bench {

/// Settings of one replay.
struct ReplayOptions {
  std::uint32_t max_bypass = 64;           ///< Config::max_bypass.
  std::uint32_t calibration_samples = 3;   ///< Snapshot::calibration_samples; every body reports as many samples
                                           ///< (the models are perfect: predictions are the modelled times).
  std::uint32_t commit_limit = detail::default_commit_limit;  ///< Snapshot::commit_limit: tasks committed per device.
  std::uint32_t prefetch_depth = 0;        ///< What-if, not the runtime today (it has no prefetch): the first this
                                           ///< many tasks committed to a device have their inputs copied there at
                                           ///< once (the others when they reach that depth).
  bool class_per_kind = false;             ///< What-if, not the runtime today: a scheduling class per task kind too.
  bool record_transfers = true;            ///< Keep every copy in Schedule::transfers (the pictures need them).
  std::function<void(double done)> progress;  ///< Called now and then with the fraction of tasks finished.
};

/// Replays `graph` with `times` on `machine`, placing with `policy`. Throws Error when the policy leaves a task
/// queued with nothing running (it would wait forever) or finds a task infeasible.
Schedule replay(const TaskGraph& graph, const TaskTimes& times, const Machine& machine, const detail::Policy& policy,
                const ReplayOptions& options = {});

}  // namespace hetsched::bench
