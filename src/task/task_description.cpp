#include "task/task_description.hpp"

namespace hetsched::detail {

std::map<std::string, double> demand_by_name(const ResourceDemand& demand) {
  std::map<std::string, double> named;
  if (demand.cpu != 0) named["CPU"] = from_units(demand.cpu);
  if (demand.gpu != 0) named["GPU"] = from_units(demand.gpu);
  if (demand.gpu_memory != 0) named["GPU memory"] = static_cast<double>(demand.gpu_memory);
  for (const auto& [name, units] : demand.custom) named[name] = from_units(units);
  return named;
}

std::string_view kind_name(TaskRole role) noexcept {
  switch (role) {
    case TaskRole::actor_creation:
      return "actor creation";
    case TaskRole::actor_call:
      return "actor call";
    case TaskRole::plain:
      break;
  }
  return "task";
}

}  // namespace hetsched::detail
