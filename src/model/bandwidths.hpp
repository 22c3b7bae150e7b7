// How fast bytes move between memory nodes: the figures a placement policy prices a transfer with.
#pragma once

#include <cstdint>

namespace hetsched::detail {

/// Bytes per second of each kind of link, and the fixed cost of one copy. Zero bandwidth: not known (a copy over
/// that link is then priced at its latency alone).
struct Bandwidths {
  double host_to_device = 0;    ///< Host memory to a GPU, bytes per second.
  double device_to_host = 0;    ///< A GPU to host memory, bytes per second.
  double device_to_device = 0;  ///< One GPU to another, bytes per second (0: through the host).
  double latency_s = 0;         ///< Seconds every copy costs whatever its size.
  bool measured = false;        ///< True once the figures come from measuring this machine.

  /// Seconds to copy `bytes` from memory node `from` to node `to` (-1 is the host, d >= 0 GPU d); 0 for one node.
  double transfer_seconds(int from_node, int to_node, std::uint64_t bytes) const noexcept;
};

}  // namespace hetsched::detail
