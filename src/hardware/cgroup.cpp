#include "hardware/cgroup.hpp"

#include <sched.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <system_error>
#include <vector>

namespace hetsched::detail {
namespace {

constexpr std::string_view whitespace = " \t\r\n";

std::string_view trim(std::string_view text) {
  auto first = text.find_first_not_of(whitespace);
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(whitespace);
  return text.substr(first, last - first + 1);
}

/// The lines of `text`, without their newline characters.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

/// Splits on runs of whitespace.
std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> result;
  std::size_t position = 0;
  while (true) {
    auto start = text.find_first_not_of(whitespace, position);
    if (start == std::string_view::npos) break;
    auto end = text.find_first_of(whitespace, start);
    if (end == std::string_view::npos) end = text.size();
    result.push_back(text.substr(start, end - start));
    position = end;
  }
  return result;
}

/// A whole unsigned decimal number with nothing around it.
template <class Integer>
std::optional<Integer> parse_number(std::string_view text) {
  Integer value{};
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end) return std::nullopt;
  return value;
}

/// True when `a` allows fewer CPUs than `b` (compares quota_a / period_a with quota_b / period_b).
bool is_tighter(const CpuQuota& a, const CpuQuota& b) {
  auto ratio = [](const CpuQuota& q) { return static_cast<long double>(q.quota_us) / q.period_us; };
  return ratio(a) < ratio(b);
}

/// Folds the limits written in one cgroup directory into `limits`.
void read_directory(const std::filesystem::path& directory, CgroupLimits& limits) {
  if (auto text = read_text_file(directory / "cpu.max")) {
    auto quota = parse_cpu_max(*text);
    if (quota && (!limits.cpu_quota || is_tighter(*quota, *limits.cpu_quota))) {
      limits.cpu_quota = quota;
      limits.cpu_quota_dir = directory;
    }
  }
  if (auto text = read_text_file(directory / "memory.max")) {
    auto bytes = parse_memory_max(*text);
    if (bytes && (!limits.memory_max || *bytes < *limits.memory_max)) {
      limits.memory_max = bytes;
      limits.memory_max_dir = directory;
    }
  }
}

}  // namespace

std::optional<CpuQuota> parse_cpu_max(std::string_view text) {
  // The kernel writes "$MAX $PERIOD"; a lone "$MAX" means the default period of 100 ms.
  constexpr std::int64_t default_period_us = 100000;
  auto fields = words(text);
  if (fields.empty() || fields.size() > 2 || fields[0] == "max") return std::nullopt;
  auto quota = parse_number<std::int64_t>(fields[0]);
  auto period = fields.size() == 2 ? parse_number<std::int64_t>(fields[1]) : std::optional(default_period_us);
  if (!quota || !period || *quota <= 0 || *period <= 0) return std::nullopt;
  return CpuQuota{*quota, *period};
}

int cores_for_quota(const CpuQuota& quota) {
  std::int64_t cores = quota.quota_us / quota.period_us + (quota.quota_us % quota.period_us != 0 ? 1 : 0);
  if (cores < 1) return 1;
  if (cores > INT_MAX) return INT_MAX;
  return static_cast<int>(cores);
}

std::optional<std::size_t> parse_memory_max(std::string_view text) {
  auto value = trim(text);
  if (value == "max") return std::nullopt;
  auto bytes = parse_number<std::size_t>(value);
  if (!bytes || *bytes == 0) return std::nullopt;
  return bytes;
}

std::optional<std::size_t> parse_meminfo_total(std::string_view text) {
  constexpr std::string_view key = "MemTotal:";
  for (std::string_view line : split_lines(text)) {
    if (!line.starts_with(key)) continue;
    auto fields = words(line.substr(key.size()));
    if (fields.size() != 2 || fields[1] != "kB") return std::nullopt;
    auto kibibytes = parse_number<std::size_t>(fields[0]);
    if (!kibibytes || *kibibytes == 0 || *kibibytes > std::numeric_limits<std::size_t>::max() / 1024) {
      return std::nullopt;
    }
    return *kibibytes * 1024;
  }
  return std::nullopt;
}

std::optional<std::string> parse_cgroup_v2_path(std::string_view text) {
  // Each line is "hierarchy-id:controllers:path"; cgroup v2 is hierarchy 0 with no controllers listed.
  constexpr std::string_view prefix = "0::";
  for (std::string_view raw_line : split_lines(text)) {
    auto line = trim(raw_line);
    if (!line.starts_with(prefix)) continue;
    auto path = line.substr(prefix.size());
    if (path.starts_with('/')) return std::string(path);
  }
  return std::nullopt;
}

std::optional<int> affinity_cpu_count() {
  // A fixed cpu_set_t holds 1024 CPUs; the kernel answers EINVAL when its mask is larger, so grow until it fits.
  constexpr int largest_mask_cpus = 1 << 22;
  for (int mask_cpus = 1024; mask_cpus <= largest_mask_cpus; mask_cpus *= 2) {
    std::unique_ptr<cpu_set_t, void (*)(cpu_set_t*)> mask(CPU_ALLOC(mask_cpus), [](cpu_set_t* set) { CPU_FREE(set); });
    if (!mask) return std::nullopt;
    std::size_t mask_bytes = CPU_ALLOC_SIZE(mask_cpus);
    CPU_ZERO_S(mask_bytes, mask.get());
    if (sched_getaffinity(0, mask_bytes, mask.get()) == 0) {
      int count = CPU_COUNT_S(mask_bytes, mask.get());
      if (count < 1) return std::nullopt;
      return count;
    }
    if (errno != EINVAL) return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string> read_text_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) return std::nullopt;
  return std::move(contents).str();
}

CgroupLimits read_cgroup_limits(const std::filesystem::path& root, std::string_view cgroup_path) {
  CgroupLimits limits;
  std::error_code error;
  limits.hierarchy_found = std::filesystem::exists(root / "cgroup.controllers", error);
  if (!limits.hierarchy_found) return limits;

  // Visit the root and each directory down to the process's cgroup: every ancestor's limit applies too.
  // A path that climbs with ".." lies outside this mount (another cgroup namespace), so only the root counts then.
  std::vector<std::filesystem::path> directories{root};
  for (const auto& component : std::filesystem::path(cgroup_path).relative_path()) {
    if (component.empty() || component == ".") continue;
    if (component == "..") {
      directories.resize(1);
      break;
    }
    directories.push_back(directories.back() / component);
  }
  for (const auto& directory : directories) read_directory(directory, limits);
  return limits;
}

CgroupLimits read_own_cgroup_limits(const std::filesystem::path& root,
                                    const std::filesystem::path& proc_self_cgroup) {
  auto text = read_text_file(proc_self_cgroup);
  auto path = text ? parse_cgroup_v2_path(*text) : std::nullopt;
  if (!path) return CgroupLimits{};
  return read_cgroup_limits(root, *path);
}

}  // namespace hetsched::detail
