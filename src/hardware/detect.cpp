#include <unistd.h>

#include <algorithm>
#include <climits>
#include <exception>
#include <optional>
#include <string>
#include <utility>

#include "hardware/cgroup.hpp"
#include "hardware/gpu_probe.hpp"
#include "hetsched/hardware.hpp"

namespace hetsched {
namespace {

/// The limits of this process, read once per detection.
struct ProcessLimits {
  std::optional<int> affinity_cores;
  detail::CgroupLimits cgroup;
};

int online_core_count() {
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online >= 1 ? static_cast<int>(std::min<long>(online, INT_MAX)) : 1;
}

std::string quota_text(const detail::CpuQuota& quota) {
  return "cgroup v2 cpu.max " + std::to_string(quota.quota_us) + "/" + std::to_string(quota.period_us);
}

void detect_cores(const ProcessLimits& limits, HardwareInfo& info) {
  info.online_cores = online_core_count();
  int usable = info.online_cores;
  std::string affinity_words;
  if (limits.affinity_cores) {
    usable = std::min(*limits.affinity_cores, info.online_cores);
    affinity_words = "affinity mask allows " + std::to_string(usable) + " of " + std::to_string(info.online_cores) +
                     " online cores";
  } else {
    affinity_words = "affinity mask unreadable, assuming all " + std::to_string(usable) + " online cores";
  }

  const auto& quota = limits.cgroup.cpu_quota;
  if (quota && detail::cores_for_quota(*quota) < usable) {
    usable = detail::cores_for_quota(*quota);
    info.cores_note = quota_text(*quota) + " in " + limits.cgroup.cpu_quota_dir.string() + " allows " +
                      std::to_string(usable) + " cores (" + affinity_words + ")";
  } else if (quota) {
    info.cores_note = affinity_words + "; " + quota_text(*quota) + " allows as many or more";
  } else {
    info.cores_note = affinity_words + (limits.cgroup.hierarchy_found ? "; no cgroup v2 cpu.max limit"
                                                                      : "; no cgroup v2 hierarchy at /sys/fs/cgroup");
  }
  info.usable_cores = std::max(usable, 1);
}

/// Physical memory from sysconf, for when /proc/meminfo cannot be read.
std::size_t physical_memory_bytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<std::size_t>(pages) * static_cast<std::size_t>(page_size);
}

void detect_memory(const ProcessLimits& limits, HardwareInfo& info) {
  auto meminfo = detail::read_text_file("/proc/meminfo");
  auto total = meminfo ? detail::parse_meminfo_total(*meminfo) : std::nullopt;
  std::string source = total ? "MemTotal in /proc/meminfo" : "physical pages from sysconf";
  std::size_t bytes = total ? *total : physical_memory_bytes();
  const auto& cap = limits.cgroup.memory_max;
  if (cap && *cap < bytes) {
    info.memory_note = "cgroup v2 memory.max in " + limits.cgroup.memory_max_dir.string() + " (below the " + source +
                       " of " + std::to_string(bytes) + " bytes)";
    bytes = *cap;
  } else if (cap) {
    info.memory_note = source + "; cgroup v2 memory.max allows as much or more";
  } else {
    info.memory_note = source + (limits.cgroup.hierarchy_found ? "; no cgroup v2 memory.max limit"
                                                               : "; no cgroup v2 hierarchy at /sys/fs/cgroup");
  }
  info.memory_bytes = bytes;
}

}  // namespace

HardwareInfo detect_hardware() {
  HardwareInfo info;
  try {
    ProcessLimits limits{detail::affinity_cpu_count(), detail::read_own_cgroup_limits()};
    detect_cores(limits, info);
    detect_memory(limits, info);
  } catch (const std::exception& error) {
    // Only allocation can fail above; report a minimal machine rather than fail a Runtime's start.
    info.online_cores = std::max(info.online_cores, 1);
    info.usable_cores = std::max(info.usable_cores, 1);
    if (info.memory_bytes == 0) info.memory_bytes = physical_memory_bytes();
    info.cores_note = std::string("detection failed: ") + error.what();
  }
  detail::GpuProbe probe = detail::probe_gpus();
  info.gpus = std::move(probe.gpus);
  info.gpu_note = std::move(probe.note);
  return info;
}

}  // namespace hetsched
