// Placement policies: pure decisions over a snapshot of free GPU capacity, so the simulator can drive them too.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace hetsched::detail {

/// Chooses the GPUs for one demand. `free_units[d]` is what device d has left (full device = units_per_resource).
/// Returns the chosen devices, or nothing when the demand does not fit now.
class Policy {
 public:
  virtual ~Policy() = default;
  /// Devices for `gpu_units` (0 < units < 1 GPU: one device; a whole number n: n distinct free devices).
  virtual std::optional<std::vector<int>> choose_gpus(std::span<const std::int64_t> free_units,
                                                      std::int64_t gpu_units) const = 0;
  /// The policy's name, as Config and reports spell it.
  virtual std::string_view name() const noexcept = 0;
};

/// Ray's best fit: a fractional demand goes to the device whose remaining capacity fits it most tightly.
std::unique_ptr<Policy> make_pack_policy();
/// Load spreading: a fractional demand goes to the device with the most remaining capacity.
std::unique_ptr<Policy> make_spread_policy();
/// The policy named `name` ("pack" or "spread"); throws UsageError for another name.
std::unique_ptr<Policy> make_policy(std::string_view name);

/// Shared by the policies: whole demands take entirely free devices (lowest index first); a fractional demand takes
/// the fitting device that `prefer(candidate_free, best_free)` ranks first (ties: lowest index).
std::optional<std::vector<int>> choose_devices(std::span<const std::int64_t> free_units, std::int64_t gpu_units,
                                               bool (*prefer)(std::int64_t candidate, std::int64_t best));

}  // namespace hetsched::detail
