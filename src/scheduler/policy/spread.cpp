#include "scheduler/policy.hpp"

namespace hetsched::detail {
namespace {

class SpreadPolicy final : public Policy {
 public:
  std::optional<std::vector<int>> choose_gpus(const GpuSnapshot& gpus, const GpuRequest& request) const override {
    return choose_devices(gpus, request, [](std::int64_t candidate, std::int64_t best) { return candidate > best; });
  }
  std::string_view name() const noexcept override { return "spread"; }
};

}  // namespace

std::unique_ptr<Policy> make_spread_policy() { return std::make_unique<SpreadPolicy>(); }

}  // namespace hetsched::detail
