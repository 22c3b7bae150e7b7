#include "scheduler/policy.hpp"

namespace hetsched::detail {
namespace {

class SpreadPolicy final : public Policy {
 public:
  Decision decide(const Snapshot& snapshot) const override {
    return first_placeable_variant(snapshot, [&](std::size_t variant) { return choose(snapshot, variant); });
  }
  std::string_view name() const noexcept override { return "spread"; }

 private:
  static Decision choose(const Snapshot& snapshot, std::size_t variant) {
    return choose_devices(snapshot, variant, [](const Snapshot& s, int candidate, int best) {
      auto free = [&](int d) { return s.gpus[static_cast<std::size_t>(d)].free_units; };
      if (free(candidate) != free(best)) return free(candidate) > free(best);
      // Equal capacity: the device next in turn after the one the previous task would have had wins, so tasks on
      // an idle machine take the devices in turn (Ray's spread is round robin too).
      auto count = static_cast<std::uint64_t>(s.gpus.size());
      auto turn = [&](int d) { return (static_cast<std::uint64_t>(d) + count - s.task.sequence % count) % count; };
      return turn(candidate) < turn(best);
    });
  }
};

}  // namespace

std::unique_ptr<Policy> make_spread_policy() { return std::make_unique<SpreadPolicy>(); }

}  // namespace hetsched::detail
