// What every policy shares: which devices a demand fits on now, whether it could ever fit, and the best-of-the-fitting
// choice the simple policies make.
#include <algorithm>

#include "hetsched/detail/resource_demand.hpp"
#include "scheduler/policy.hpp"

namespace hetsched::detail {
namespace {

bool whole_demand(const TaskView& task) noexcept { return task.gpu_units >= units_per_resource; }

std::size_t devices_needed(const TaskView& task) noexcept {
  return whole_demand(task) ? static_cast<std::size_t>(task.gpu_units / units_per_resource) : 1;
}

}  // namespace

std::vector<int> fitting_devices(const Snapshot& snapshot) {
  const TaskView& task = snapshot.task;
  const std::int64_t units_needed = whole_demand(task) ? units_per_resource : task.gpu_units;
  std::vector<int> fitting;
  for (std::size_t d = 0; d < snapshot.gpus.size(); ++d) {
    const GpuView& gpu = snapshot.gpus[d];
    if (gpu.free_units >= units_needed && gpu.free_memory >= task.gpu_memory) fitting.push_back(static_cast<int>(d));
  }
  return fitting;
}

bool could_ever_fit(const Snapshot& snapshot) {
  auto large_enough = std::count_if(snapshot.gpus.begin(), snapshot.gpus.end(),
                                    [&](const GpuView& gpu) { return gpu.total_memory >= snapshot.task.gpu_memory; });
  return static_cast<std::size_t>(large_enough) >= devices_needed(snapshot.task);
}

Decision choose_devices(const Snapshot& snapshot, bool (*prefer)(const Snapshot&, int candidate, int best)) {
  std::vector<int> fitting = fitting_devices(snapshot);
  const std::size_t needed = devices_needed(snapshot.task);
  if (fitting.size() < needed) return could_ever_fit(snapshot) ? Decision::wait() : Decision::infeasible();
  if (whole_demand(snapshot.task)) {
    fitting.resize(needed);
    return Decision::place(std::move(fitting));
  }
  int best = fitting.front();
  for (int candidate : fitting) {
    if (prefer(snapshot, candidate, best)) best = candidate;
  }
  return Decision::place({best});
}

}  // namespace hetsched::detail
