#include "scheduler/policy.hpp"

namespace hetsched::detail {
namespace {

class PackPolicy final : public Policy {
 public:
  Decision decide(const Snapshot& snapshot) const override {
    return first_placeable_variant(snapshot, [&](std::size_t variant) {
      return choose_devices(snapshot, variant, [](const Snapshot& s, int candidate, int best) {
        return s.gpus[static_cast<std::size_t>(candidate)].free_units <
               s.gpus[static_cast<std::size_t>(best)].free_units;
      });
    });
  }
  std::string_view name() const noexcept override { return "pack"; }
};

}  // namespace

std::unique_ptr<Policy> make_pack_policy() { return std::make_unique<PackPolicy>(); }

}  // namespace hetsched::detail
