#include "model/measure_bandwidths.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>

namespace hetsched::detail {
namespace {

constexpr int timed_copies = 3;
constexpr int latency_copies = 10;

/// Memory on one node, given back when it goes.
class NodeMemory {
 public:
  NodeMemory(MemorySystem& memory, MemoryNode node, std::size_t bytes) : memory_(memory), node_(node), bytes_(bytes) {
    data_ = node < 0 ? memory.allocate_host(bytes) : memory.allocate_device(node, bytes);
  }
  NodeMemory(const NodeMemory&) = delete;
  NodeMemory& operator=(const NodeMemory&) = delete;
  ~NodeMemory() {
    if (!data_) return;
    if (node_ < 0) {
      memory_.free_host(data_, bytes_);
    } else {
      memory_.free_device(node_, data_, bytes_);
    }
  }
  std::byte* data() const noexcept { return data_; }
  MemoryNode node() const noexcept { return node_; }

 private:
  MemorySystem& memory_;
  MemoryNode node_;
  std::size_t bytes_;
  std::byte* data_ = nullptr;
};

/// Copies `bytes` from `source` to `target` once, untimed: faults a fresh target's pages in (and sets up whatever a
/// driver sets up lazily on a link's first use).
void warm_up(MemorySystem& memory, const NodeMemory& target, const NodeMemory& source, std::size_t bytes) {
  memory.copy(target.node(), target.data(), source.node(), source.data(), bytes);
}

/// The shortest of `runs` copies of `bytes` from `source` to `target`.
double best_copy_seconds(MemorySystem& memory, const NodeMemory& target, const NodeMemory& source, std::size_t bytes,
                         int runs) {
  double best = std::numeric_limits<double>::infinity();
  for (int run = 0; run < runs; ++run) {
    auto start = std::chrono::steady_clock::now();
    memory.copy(target.node(), target.data(), source.node(), source.data(), bytes);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

/// Bytes per second of a link whose best large copy took `seconds`, the latency taken off.
double bandwidth_of(double seconds, double latency) {
  return static_cast<double>(bandwidth_probe_bytes) / std::max(seconds - latency, seconds / 2);
}

}  // namespace

Bandwidths measure_bandwidths(MemorySystem& memory, int gpus) {
  Bandwidths result;
  if (gpus <= 0) return result;
  NodeMemory host(memory, host_node, bandwidth_probe_bytes);
  NodeMemory gpu0(memory, 0, bandwidth_probe_bytes);
  if (!gpu0.data()) return result;
  std::memset(host.data(), 1, bandwidth_probe_bytes);  // else reads of untouched pages all hit one zero page
  warm_up(memory, gpu0, host, bandwidth_probe_bytes);
  result.latency_s = best_copy_seconds(memory, gpu0, host, latency_probe_bytes, latency_copies);
  result.host_to_device =
      bandwidth_of(best_copy_seconds(memory, gpu0, host, bandwidth_probe_bytes, timed_copies), result.latency_s);
  result.device_to_host =
      bandwidth_of(best_copy_seconds(memory, host, gpu0, bandwidth_probe_bytes, timed_copies), result.latency_s);
  result.measured = true;
  if (gpus >= 2) {
    NodeMemory gpu1(memory, 1, bandwidth_probe_bytes);
    if (!gpu1.data()) {
      result.measured = false;
      return result;
    }
    warm_up(memory, gpu1, gpu0, bandwidth_probe_bytes);
    result.device_to_device =
        bandwidth_of(best_copy_seconds(memory, gpu1, gpu0, bandwidth_probe_bytes, timed_copies), result.latency_s);
  }
  return result;
}

}  // namespace hetsched::detail
