// How a task is described to people (list_tasks, the timeline): its demand by resource name, its kind.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "hetsched/detail/resource_demand.hpp"
#include "hetsched/detail/task.hpp"

namespace hetsched::detail {

/// `demand` by resource name: "CPU" and "GPU" when non-zero, "GPU memory" in bytes when set, and each custom one.
std::map<std::string, double> demand_by_name(const ResourceDemand& demand);
/// "task", "actor creation" or "actor call".
std::string_view kind_name(TaskRole role) noexcept;

}  // namespace hetsched::detail
