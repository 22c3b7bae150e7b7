// A modelled machine: CPU cores, GPUs with their memory, the links between memory nodes, and how long each task
// kind runs on one CPU core and on one GPU (measured timings at a size, or sustained FLOP rates).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "resources/bandwidths.hpp"

namespace hetsched::bench {

/// How long one kind of task runs on each device kind, measured at `flops` (times scale linearly with a task's flops).
struct KernelTiming {
  double flops = 0;   ///< The size it was measured at (0: times apply to every size).
  double cpu_s = -1;  ///< Seconds on one CPU core (below 0: no CPU body).
  double gpu_s = -1;  ///< Seconds on one GPU (below 0: no GPU body).
};

/// The machine a graph is replayed on.
struct Machine {
  std::string name = "spec";                 ///< For reports.
  int cpus = 16;                             ///< CPU cores (one CPU body each).
  int gpus = 4;                              ///< GPUs (one GPU body each at a time).
  std::uint64_t gpu_memory = 80ULL << 30;    ///< Bytes of each GPU's memory for replicas.
  detail::Bandwidths links{25e9, 25e9, 300e9, 10e-6, true};  ///< Host-device, device-host, device-device, latency.
  int copy_lanes = 0;                        ///< 0: every link copies on its own; N: at most N copies at once in all
                                             ///< (logical GPUs: the host cores that run their memcpys).
  double cpu_flops_per_s = 0;                ///< Sustained FLOP/s of one core for kinds without a timing (0: none).
  double gpu_flops_per_s = 0;                ///< Sustained FLOP/s of one GPU for kinds without a timing (0: none).
  std::map<std::string, KernelTiming, std::less<>> kernels;  ///< Timings per task kind.
};

/// The machine `spec` describes: comma-separated items, an optional machine file (JSON, or a shipped machine's name)
/// first, then key=value
/// overrides: cpus, gpus, gpu_mem (e.g. 80GiB), h2d, d2h, d2d (e.g. 25GB/s), latency (e.g. 10us), copy_lanes,
/// cpu_gflops, gpu_gflops. Throws UsageError showing the expected form and the offending item.
Machine parse_machine(std::string_view spec);
/// The parts of `text` between the `by` separators (one empty part for empty text).
std::vector<std::string_view> split(std::string_view text, char by);
/// The path of machine file `name`: itself when it exists, else the shipped bench/placement/machines/NAME.json.
/// Throws UsageError listing the shipped machines.
std::string shipped_machine_path(std::string_view name);
/// The machine in JSON file `path` (see bench/placement/machines/). Throws UsageError naming the file and the field.
Machine load_machine_file(const std::string& path);

/// Seconds of a task of kind `kind` with `flops` on one CPU core (`gpu` false) or one GPU; below 0 when the machine
/// cannot run that kind there.
double kernel_seconds(const Machine& machine, std::string_view kind, double flops, bool gpu);

}  // namespace hetsched::bench
