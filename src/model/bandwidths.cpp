#include "model/bandwidths.hpp"

namespace hetsched::detail {
namespace {

/// Seconds for `bytes` over a link of `bytes_per_second` (0: unknown, so free beyond the latency).
double over(double bytes_per_second, std::uint64_t bytes) noexcept {
  return bytes_per_second > 0 ? static_cast<double>(bytes) / bytes_per_second : 0.0;
}

}  // namespace

double Bandwidths::transfer_seconds(int from_node, int to_node, std::uint64_t bytes) const noexcept {
  if (from_node == to_node) return 0.0;
  if (from_node < 0) return latency_s + over(host_to_device, bytes);
  if (to_node < 0) return latency_s + over(device_to_host, bytes);
  if (device_to_device > 0) return latency_s + over(device_to_device, bytes);
  return 2 * latency_s + over(device_to_host, bytes) + over(host_to_device, bytes);  // staged through the host
}

}  // namespace hetsched::detail
