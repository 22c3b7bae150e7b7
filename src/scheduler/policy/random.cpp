#include <algorithm>
#include <string>

#include "hetsched/detail/resource_demand.hpp"
#include "scheduler/policy.hpp"

namespace hetsched::detail {
namespace {

/// SplitMix64's finaliser: a well-mixed 64-bit value from any input.
std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class RandomPolicy final : public Policy {
 public:
  RandomPolicy(std::uint64_t seed, std::string name) : seed_(seed), name_(std::move(name)) {}

  Decision decide(const Snapshot& snapshot) const override {
    return first_placeable_variant(snapshot, [&](std::size_t variant) { return choose(snapshot, variant); });
  }
  std::string_view name() const noexcept override { return name_; }

 private:
  Decision choose(const Snapshot& snapshot, std::size_t variant) const {
    Decision decision = choose_devices(snapshot, variant, [](const Snapshot&, int, int) { return false; });
    if (decision.kind != Decision::Kind::place || decision.gpus.empty()) return decision;
    // The draw depends on the seed and the task's sequence alone, so a run is repeatable for a seed.
    std::vector<int> fitting = fitting_devices(snapshot, snapshot.task.variants[variant]);
    std::uint64_t state = mix(seed_ ^ mix(snapshot.task.sequence));
    const std::size_t wanted = decision.gpus.size();
    for (std::size_t i = 0; i < wanted; ++i) {  // the first `wanted` steps of a Fisher-Yates shuffle
      state = mix(state);
      std::swap(fitting[i], fitting[i + state % (fitting.size() - i)]);
    }
    fitting.resize(wanted);
    std::sort(fitting.begin(), fitting.end());
    return Decision::place(std::move(fitting), decision.variant);
  }

  std::uint64_t seed_;
  std::string name_;
};

}  // namespace

std::unique_ptr<Policy> make_random_policy(std::uint64_t seed) {
  return std::make_unique<RandomPolicy>(seed, seed == default_random_seed ? "random" : "random:" + std::to_string(seed));
}

}  // namespace hetsched::detail
