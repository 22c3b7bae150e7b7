// Placement policies: pure decisions over a snapshot of free GPU capacity, so the simulator can drive them too.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace hetsched::detail {

/// What the GPUs have left: `free_units[d]` of device d (a whole device is units_per_resource) and its free memory.
struct GpuSnapshot {
  std::span<const std::int64_t> free_units;
  std::span<const std::uint64_t> free_memory;
};

/// What one demand asks of the GPUs.
struct GpuRequest {
  std::int64_t units = 0;       ///< 0 < units < 1 GPU: one device; a whole number n: n distinct free devices.
  std::uint64_t memory = 0;     ///< Bytes needed on each chosen device.
};

/// Chooses the GPUs for one demand; returns the chosen devices, or nothing when the demand does not fit now.
class Policy {
 public:
  virtual ~Policy() = default;
  /// Devices for `request`, among those with enough free capacity and memory.
  virtual std::optional<std::vector<int>> choose_gpus(const GpuSnapshot& gpus, const GpuRequest& request) const = 0;
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
std::optional<std::vector<int>> choose_devices(const GpuSnapshot& gpus, const GpuRequest& request,
                                               bool (*prefer)(std::int64_t candidate, std::int64_t best));

}  // namespace hetsched::detail
