// What moving a buffer between memory nodes costs: one bandwidth per kind of link and one per-copy latency,
// measured once per machine (model/measure_bandwidths.hpp) and kept in the model file.
#pragma once

#include <cstdint>

namespace hetsched::detail {

/// Bytes per second of each link kind and the fixed cost of one copy. A bandwidth of 0 is a link not measured.
struct Bandwidths {
  double host_to_device = 0;    ///< bytes/s from host memory to a GPU
  double device_to_host = 0;    ///< bytes/s from a GPU to host memory
  double device_to_device = 0;  ///< bytes/s from one GPU to another
  double latency_s = 0;         ///< seconds a copy costs whatever its size
  bool measured = false;        ///< set by measure_bandwidths when it measured the links a machine with GPUs has

  /// Seconds to copy `bytes` from node `from_node` to `to_node` (-1 the host, d >= 0 GPU d): latency plus bytes over
  /// the link's bandwidth; 0 on the same node. A link not measured (bandwidth 0) counts as free, so that an unknown
  /// cost never outweighs known run times.
  double transfer_seconds(int from_node, int to_node, std::uint64_t bytes) const noexcept;
  /// True when every link a machine with `gpus` GPUs uses is measured (host<->device from 1 GPU, device to device
  /// from 2): a model file written on a machine with fewer GPUs needs measuring again.
  bool covers(int gpus) const noexcept;
};

}  // namespace hetsched::detail
