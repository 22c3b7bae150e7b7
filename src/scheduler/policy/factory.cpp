// The one place that knows every policy by name.
#include <charconv>
#include <string>

#include "hetsched/error.hpp"
#include "scheduler/policy.hpp"

namespace hetsched::detail {
namespace {

/// The seed in "random:SEED", if `name` is spelled so.
std::optional<std::uint64_t> random_seed(std::string_view name) {
  constexpr std::string_view prefix = "random:";
  if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view digits = name.substr(prefix.size());
  std::uint64_t seed = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), seed);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return seed;
}

}  // namespace

std::unique_ptr<Policy> make_policy(std::string_view name) {
  if (name == "pack") return make_pack_policy();
  if (name == "spread") return make_spread_policy();
  if (name == "locality") return make_locality_policy();
  if (name == "model") return make_model_policy();
  if (name == "dmdas") return make_dmdas_policy();
  if (name == "heteroprio") return make_heteroprio_policy();
  if (name == "random") return make_random_policy(default_random_seed);
  if (auto seed = random_seed(name)) return make_random_policy(*seed);
  throw UsageError("unknown placement policy '" + std::string(name) + "'; use " + std::string(known_policy_names()));
}

std::string_view known_policy_names() noexcept {
  return "\"pack\" (the default), \"spread\", \"locality\", \"model\", \"dmdas\", \"heteroprio\", \"random\" or "
         "\"random:SEED\" (a decimal seed)";
}

}  // namespace hetsched::detail
