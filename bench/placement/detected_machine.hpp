// `--machine detected[,...]`: the hetsched runtime of this machine (its CPUs, and real or logical GPUs) as a machine to
// run a workload on for real, and the machine model equal to it, so the simulated and the real makespan of one graph
// can be set side by side.
#pragma once

#include <string_view>

#include "hetsched/config.hpp"
#include "hetsched/runtime.hpp"
#include "hetsched/store_stats.hpp"
#include "machine.hpp"

namespace hetsched::bench {

/// What a `detected` spec asks for: the runtime to start, and the model before the runtime fills in its resources.
struct DetectedSpec {
  Config config;         ///< num_cpus, num_gpus and logical_gpu_memory where the spec gives them.
  Machine model;         ///< Kernel timings (and links, when given); cpus, gpus and memory come from the runtime.
  bool links_given = false;  ///< True when the spec gives h2d, d2h, d2d or latency (else memcpy is measured).
  bool lanes_given = false;  ///< True when the spec gives copy_lanes (else, with logical GPUs only, the cores).
};

/// True when `spec` starts with the item "detected".
bool is_detected_spec(std::string_view spec);

/// Parses "detected[,cpus=N][,gpus=N][,gpu_mem=SIZE][,timings=MACHINE][,h2d=..,d2h=..,d2d=..,latency=..]
/// [,copy_lanes=N]": cpus and
/// gpus default to what the runtime detects (gpus above the CUDA devices are logical), gpu_mem to the runtime's
/// logical GPU memory, and the kernel timings come from machine file MACHINE (default mirage). Throws UsageError
/// showing the expected form and the offending item.
DetectedSpec parse_detected(std::string_view spec);

/// The model of `runtime` started from `spec.config`: its CPU and GPU totals, its GPUs' replica capacity, and links
/// at fresh_memcpy_bytes_per_s() with no latency (what logical GPUs' copies cost) unless the spec gave them, and, when
/// every GPU is logical, as many copy lanes as usable cores (the memcpys share them) unless the spec gave copy_lanes.
Machine detected_model(const DetectedSpec& spec, Runtime& runtime);

/// Bytes per second of a memcpy into memory just mapped, the best of three of 16 MiB: a logical GPU's copy lands in a
/// new replica, whose pages fault in during the copy (about 5x slower than a copy into memory in use).
double fresh_memcpy_bytes_per_s();

/// The links as the store's own copies ran between two snapshots of its statistics: per link kind, the bytes it
/// copied over the seconds its copying threads spent in them; a kind with no timed copy keeps its rate in `before`.
/// No latency (a copy's fixed cost is in its rate). For a warm-up run on logical GPUs, whose copies are memcpys that
/// run slower than a lone memcpy while other copies and page faults share the cores.
detail::Bandwidths links_from_copies(const StoreStats& before, const StoreStats& after,
                                     const detail::Bandwidths& fallback);

}  // namespace hetsched::bench
