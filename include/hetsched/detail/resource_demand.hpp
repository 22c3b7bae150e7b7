/// @file detail/resource_demand.hpp
/// @brief A task's demand in fixed-point units (1 unit = 1e-4 of a resource). Not API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hetsched::detail {

/// Fixed-point units per whole resource (Ray's FixedPoint precision).
inline constexpr std::int64_t units_per_resource = 10000;

/// Converts a user quantity to units; throws ResourceError naming `resource` when it is negative, NaN, infinite,
/// finer than 1e-4, or above 1 and not whole.
std::int64_t to_units(std::string_view resource, double quantity);

/// Converts units back to a quantity for display and reports.
inline double from_units(std::int64_t units) noexcept {
  return static_cast<double>(units) / static_cast<double>(units_per_resource);
}

/// What one task or actor asks for; custom entries are kept sorted by name, without duplicates.
struct ResourceDemand {
  std::int64_t cpu = units_per_resource;                      ///< CPU units (default 1 CPU).
  std::int64_t gpu = 0;                                       ///< GPU units (fractional < 1 lands on one device).
  std::uint64_t gpu_memory = 0;                               ///< Device memory needed on each assigned GPU (bytes).
  std::vector<std::pair<std::string, std::int64_t>> custom;   ///< Custom resources by name.

  /// Sets a custom resource, replacing an earlier value of the same name.
  void set_custom(std::string name, std::int64_t units);
  /// True when both ask for the same amounts of the same resources (same scheduling class).
  friend bool operator==(const ResourceDemand&, const ResourceDemand&) = default;
};

}  // namespace hetsched::detail
