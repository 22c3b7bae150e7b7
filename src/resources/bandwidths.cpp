#include "resources/bandwidths.hpp"

namespace hetsched::detail {

double Bandwidths::transfer_seconds(int from_node, int to_node, std::uint64_t bytes) const noexcept {
  if (from_node == to_node) return 0;
  double bandwidth = from_node < 0 ? host_to_device : to_node < 0 ? device_to_host : device_to_device;
  if (!(bandwidth > 0)) return 0;
  return latency_s + static_cast<double>(bytes) / bandwidth;
}

bool Bandwidths::covers(int gpus) const noexcept {
  if (gpus <= 0) return true;
  if (!measured || !(host_to_device > 0) || !(device_to_host > 0)) return false;
  return gpus < 2 || device_to_device > 0;
}

}  // namespace hetsched::detail
