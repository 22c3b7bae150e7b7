// Turns a user's Config plus the HETSCHED_* environment into the numbers the runtime starts with.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exec/gpu_streams.hpp"
#include "hetsched/config.hpp"
#include "hetsched/hardware.hpp"

namespace hetsched::detail {

struct ResolvedConfig {
  int num_cpus = 1;
  int num_gpus = 0;
  /// GPUs 0..real_gpus-1 are the CUDA devices found; the rest, up to num_gpus, are logical (host memory). Decided
  /// here only: the memory system, the streams and the GPU task runner are all handed this number.
  int real_gpus = 0;
  std::map<std::string, std::int64_t> custom_units;
  std::vector<std::uint64_t> gpu_memory;  // per device: 90% of a real GPU's memory, or Config::logical_gpu_memory
  std::uint32_t max_bypass = 64;
  std::string placement_policy = "pack";  // a name make_policy accepts
  GpuCompletion gpu_completion = GpuCompletion::events;
  std::uint64_t object_store_bytes = 0;  // the host budget (Config::object_store_bytes)
  std::string spill_dir;                 // where spill files go (Config::spill_dir)
  std::size_t spill_batch_bytes = 0;     // Config::spill_batch_bytes
  std::string perf_model_path;  // the model file; empty: none (the models live only for the runtime's lifetime)
  std::string timeline_path;    // HETSCHED_TIMELINE: record a timeline and write it there at shutdown; empty: none
  bool progress = false;        // HETSCHED_PROGRESS=1: a progress line on stderr each second
  AdviceSink advice;            // where the advisor reports (Config::advice, HETSCHED_ADVICE); empty: silenced
};

/// Looks up an environment variable (a function so tests of the parser can feed their own).
using EnvironmentLookup = std::optional<std::string> (*)(const char* name);

/// The process environment.
std::optional<std::string> process_environment(const char* name);

/// Applies defaults from `hardware`, then the environment overrides (when config.read_environment), then checks
/// everything. Whatever is wrong with a HETSCHED_* value, it is a UsageError naming the variable; a bad field set in
/// code keeps the type config.hpp gives it (ResourceError for counts and resources, UsageError for the rest).
ResolvedConfig resolve_config(const Config& config, const HardwareInfo& hardware,
                              EnvironmentLookup lookup = process_environment);

/// The advisor's sink after HETSCHED_ADVICE `text` ("off" or "on", any case): UsageError naming the variable for
/// anything else.
AdviceSink advice_from_environment(const std::string& text, AdviceSink configured);

/// Parses a byte count: digits with an optional K, M, G or T suffix (powers of 1024); UsageError naming `variable`
/// for anything else, or for 0.
std::uint64_t parse_byte_count(const char* variable, const std::string& text);

/// The default spill directory: hetsched-spill-<uid> under TMPDIR (when set and absolute) or /tmp.
std::string default_spill_dir(EnvironmentLookup lookup);

/// Parses HETSCHED_RESOURCES text: a JSON object `{"Custom": 2}` or `Custom=2,Disk=1`; UsageError for anything else
/// (JSON that is not an object, a name given twice, a quantity that is not a number). Names are checked later.
std::map<std::string, double> parse_resource_list(const std::string& text);

}  // namespace hetsched::detail
