// Fixed-point resource quantities (1e-4), with Ray's rules made strict.
#include "resources/quantity.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "hetsched/detail/resource_demand.hpp"
#include "hetsched/error.hpp"

namespace hetsched::detail {
namespace {

std::string describe(std::string_view resource, double quantity) {
  return std::string(resource) + " quantity " + quantity_text(quantity);
}

}  // namespace

std::string quantity_text(double quantity) {
  char text[32];  // the longest shortest form of a double, "-2.2250738585072014e-308", is 24 characters
  return std::string(text, std::to_chars(text, text + sizeof text, quantity).ptr);
}

std::int64_t to_units(std::string_view resource, double quantity) {
  if (!std::isfinite(quantity)) {
    throw ResourceError(std::string(resource) + " quantity must be a finite number; got " +
                        (std::isnan(quantity) ? "NaN" : "infinity"));
  }
  if (quantity < 0) throw ResourceError(describe(resource, quantity) + " is negative; use 0 or more");
  if (quantity > 1e12) throw ResourceError(describe(resource, quantity) + " is too large; use at most 1e12");
  double scaled = quantity * static_cast<double>(units_per_resource);
  double rounded = std::round(scaled);
  if (std::abs(scaled - rounded) > 1e-6 * std::max(1.0, rounded)) {
    throw ResourceError(describe(resource, quantity) +
                        " is finer than the 1e-4 precision quantities have; round it to 4 decimals (e.g. 0.3333)");
  }
  if (quantity > 1 && quantity != std::floor(quantity)) {
    throw ResourceError(describe(resource, quantity) +
                        " is above 1 and not a whole number; quantities above 1 must be whole (e.g. 1 or 2)");
  }
  return static_cast<std::int64_t>(rounded);
}

void ResourceDemand::set_custom(std::string name, std::int64_t units) {
  if (name.empty()) throw ResourceError("a custom resource needs a non-empty name");
  if (name == "CPU" || name == "GPU") {
    throw ResourceError("'" + name + "' is not a custom resource; use ." + (name == "CPU" ? "cpus" : "gpus") +
                        "(n) instead of .resource(\"" + name + "\", n)");
  }
  auto it = std::lower_bound(custom.begin(), custom.end(), name,
                             [](const auto& entry, const std::string& key) { return entry.first < key; });
  if (it != custom.end() && it->first == name) {
    it->second = units;
  } else {
    custom.insert(it, {std::move(name), units});
  }
}

}  // namespace hetsched::detail
