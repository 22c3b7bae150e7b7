// Measures the links of a memory system once, when the model file has no figures for this machine.
#pragma once

#include "resources/bandwidths.hpp"
#include "store/memory_system.hpp"

namespace hetsched::detail {

/// The bytes of the copies that measure bandwidth: large enough that the per-copy latency (~10 us) is a few percent
/// of a copy on PCIe (~0.3 ms at 50 GB/s), small enough that a memcpy link (a few GB/s) takes a few milliseconds.
inline constexpr std::size_t bandwidth_probe_bytes = std::size_t{16} << 20;
/// The bytes of the copy that measures latency.
inline constexpr std::size_t latency_probe_bytes = 8;

/// Times copies through `memory` with a steady clock: host -> GPU 0, GPU 0 -> host and, with 2+ GPUs, GPU 0 -> GPU 1,
/// each the best of 3 (after a copy that faults a fresh target's pages in), and the latency from the best of several
/// small host -> GPU 0 copies. Moves about 200 MiB in all: tens of milliseconds, even for memcpy on a loaded machine.
/// With 0 GPUs there is no link to measure: it returns at once, all zero and measured = false (Bandwidths::covers(0) is
/// true anyway). A link whose device memory cannot be allocated stays 0 and measured is false. Logical GPUs measure
/// memcpy, which is what their copies cost.
Bandwidths measure_bandwidths(MemorySystem& memory, int gpus);

}  // namespace hetsched::detail
