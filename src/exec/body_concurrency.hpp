// How many threads one task's body may use at once: its CPU share rounded up, at least one. The CPU executor's
// arenas and a GPU task's device arenas are both sized by it.
#pragma once

#include <algorithm>

#include "hetsched/detail/resource_demand.hpp"
#include "hetsched/detail/task.hpp"

namespace hetsched::detail {

/// The threads a body of `task` may use at once: its CPU share rounded up, at least 1.
inline int body_concurrency(const Task& task) noexcept {
  return std::max(static_cast<int>((task.demand.cpu + units_per_resource - 1) / units_per_resource), 1);
}

}  // namespace hetsched::detail
