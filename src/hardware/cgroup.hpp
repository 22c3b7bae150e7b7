/// @file cgroup.hpp
/// @brief Reading the limits Linux places on this process: affinity mask, cgroup v2 cpu.max and memory.max, MemTotal.
///
/// The parsers take text and the reader takes directories, so tests feed them fake content. Malformed or missing
/// content always reads as "no limit": detection degrades to the machine's size, never fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hetsched::detail {

/// A CPU bandwidth limit from cgroup v2 `cpu.max`: `quota_us` of CPU time per `period_us` of wall time.
struct CpuQuota {
  std::int64_t quota_us = 0;   ///< CPU microseconds allowed per period (positive).
  std::int64_t period_us = 0;  ///< Length of the period in microseconds (positive).
};

/// Parses `cpu.max` ("150000 100000", or "max 100000" for no limit); nullopt when unlimited or malformed.
std::optional<CpuQuota> parse_cpu_max(std::string_view text);

/// Whole cores a quota lets a process keep busy: quota / period rounded up, at least 1.
int cores_for_quota(const CpuQuota& quota);

/// Parses `memory.max` ("max", or a byte count); nullopt when unlimited or malformed.
std::optional<std::size_t> parse_memory_max(std::string_view text);

/// Parses the `MemTotal:` line of /proc/meminfo into bytes; nullopt when absent or malformed.
std::optional<std::size_t> parse_meminfo_total(std::string_view text);

/// Finds the cgroup v2 path (the line "0::/some/path") in the text of /proc/self/cgroup; nullopt when absent.
std::optional<std::string> parse_cgroup_v2_path(std::string_view text);

/// Counts the CPUs in this process's affinity mask (masks of any size); nullopt when the kernel refuses to say.
std::optional<int> affinity_cpu_count();

/// Reads a small text file whole; nullopt when it cannot be opened or read.
std::optional<std::string> read_text_file(const std::filesystem::path& path);

/// The tightest cgroup v2 limits on one cgroup: its own and those of every ancestor up to the hierarchy's root.
struct CgroupLimits {
  bool hierarchy_found = false;              ///< Whether a cgroup v2 hierarchy holds the process (was read at all).
  std::optional<CpuQuota> cpu_quota;         ///< Tightest cpu.max quota, by cores allowed; nullopt when none.
  std::filesystem::path cpu_quota_dir;       ///< Directory whose cpu.max gave cpu_quota.
  std::optional<std::size_t> memory_max;     ///< Smallest memory.max in bytes; nullopt when none.
  std::filesystem::path memory_max_dir;      ///< Directory whose memory.max gave memory_max.
};

/// Reads the limits of cgroup `cgroup_path` (as /proc/self/cgroup spells it) in the v2 hierarchy mounted at `root`.
/// Directories that do not exist are skipped, so a container that mounts its own cgroup as the root still reads it.
CgroupLimits read_cgroup_limits(const std::filesystem::path& root, std::string_view cgroup_path);

/// Reads the limits on this process: its cgroup from `proc_self_cgroup`, the hierarchy mounted at `root`.
CgroupLimits read_own_cgroup_limits(const std::filesystem::path& root = "/sys/fs/cgroup",
                                    const std::filesystem::path& proc_self_cgroup = "/proc/self/cgroup");

}  // namespace hetsched::detail
