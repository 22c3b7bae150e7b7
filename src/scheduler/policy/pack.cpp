#include <string>

#include "hetsched/detail/resource_demand.hpp"
#include "hetsched/error.hpp"
#include "scheduler/policy.hpp"

namespace hetsched::detail {
namespace {

class PackPolicy final : public Policy {
 public:
  std::optional<std::vector<int>> choose_gpus(const GpuSnapshot& gpus, const GpuRequest& request) const override {
    return choose_devices(gpus, request, [](std::int64_t candidate, std::int64_t best) { return candidate < best; });
  }
  std::string_view name() const noexcept override { return "pack"; }
};

}  // namespace

std::optional<std::vector<int>> choose_devices(const GpuSnapshot& gpus, const GpuRequest& request,
                                               bool (*prefer)(std::int64_t candidate, std::int64_t best)) {
  auto free_units = gpus.free_units;
  auto memory_fits = [&](std::size_t d) { return gpus.free_memory[d] >= request.memory; };
  std::vector<int> chosen;
  if (request.units >= units_per_resource) {
    std::int64_t count = request.units / units_per_resource;
    for (std::size_t d = 0; d < free_units.size() && static_cast<std::int64_t>(chosen.size()) < count; ++d) {
      if (free_units[d] == units_per_resource && memory_fits(d)) chosen.push_back(static_cast<int>(d));
    }
    if (static_cast<std::int64_t>(chosen.size()) < count) return std::nullopt;
    return chosen;
  }
  std::optional<std::size_t> best;
  for (std::size_t d = 0; d < free_units.size(); ++d) {
    if (free_units[d] >= request.units && memory_fits(d) && (!best || prefer(free_units[d], free_units[*best]))) best = d;
  }
  if (!best) return std::nullopt;
  return std::vector<int>{static_cast<int>(*best)};
}

std::unique_ptr<Policy> make_pack_policy() { return std::make_unique<PackPolicy>(); }

std::unique_ptr<Policy> make_policy(std::string_view name) {
  if (name == "pack") return make_pack_policy();
  if (name == "spread") return make_spread_policy();
  throw UsageError("unknown placement policy '" + std::string(name) + "'; use \"pack\" or \"spread\"");
}

}  // namespace hetsched::detail
