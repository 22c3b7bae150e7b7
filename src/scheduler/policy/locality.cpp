#include <algorithm>

#include "hetsched/detail/resource_demand.hpp"
#include "scheduler/policy.hpp"

namespace hetsched::detail {
namespace {

/// Bytes of the task's inputs that already have a valid replica on `device`.
std::uint64_t resident_bytes(const Snapshot& snapshot, int device) {
  std::uint64_t bytes = 0;
  for (const InputView& input : snapshot.task.inputs) {
    if (input.valid_nodes & gpu_node_bit(device)) bytes += input.bytes;
  }
  return bytes;
}

class LocalityPolicy final : public Policy {
 public:
  Decision decide(const Snapshot& snapshot) const override {
    if (snapshot.task.inputs.empty()) return pack_->decide(snapshot);
    return first_placeable_variant(snapshot, [&](std::size_t variant) { return choose(snapshot, variant); });
  }
  std::string_view name() const noexcept override { return "locality"; }

 private:
  static Decision choose(const Snapshot& snapshot, std::size_t variant) {
    Decision decision = choose_devices(snapshot, variant, [](const Snapshot& s, int candidate, int best) {
      std::uint64_t here = resident_bytes(s, candidate);
      std::uint64_t there = resident_bytes(s, best);
      if (here != there) return here > there;
      return s.gpus[static_cast<std::size_t>(candidate)].free_units < s.gpus[static_cast<std::size_t>(best)].free_units;
    });
    if (decision.kind != Decision::Kind::place || decision.gpus.size() < 2) return decision;
    // A whole demand of n devices: the n fitting devices holding the most input bytes (lowest index among equals).
    std::vector<int> fitting = fitting_devices(snapshot, snapshot.task.variants[variant]);
    std::stable_sort(fitting.begin(), fitting.end(),
                     [&](int a, int b) { return resident_bytes(snapshot, a) > resident_bytes(snapshot, b); });
    fitting.resize(decision.gpus.size());
    std::sort(fitting.begin(), fitting.end());
    return Decision::place(std::move(fitting), decision.variant);
  }

  std::unique_ptr<Policy> pack_ = make_pack_policy();
};

}  // namespace

std::unique_ptr<Policy> make_locality_policy() { return std::make_unique<LocalityPolicy>(); }

}  // namespace hetsched::detail
