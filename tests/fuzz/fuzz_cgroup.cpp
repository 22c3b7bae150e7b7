// The cgroup and /proc parsers of hardware detection (cpu.max, memory.max, MemTotal, /proc/self/cgroup). Contract
// (cgroup.hpp): they never throw; malformed text reads as "no limit" (nullopt). Where cpu.max parses, the quota and
// period are positive and cores_for_quota gives at least one core.
#include <string_view>

#include "fuzz_support.hpp"
#include "hardware/cgroup.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hetsched::fuzz::require;
  namespace detail = hetsched::detail;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto quota = detail::parse_cpu_max(text)) {
    require(quota->quota_us > 0 && quota->period_us > 0, "cpu.max parsed to a quota or period that is not positive");
    require(detail::cores_for_quota(*quota) >= 1, "a quota that allows no core");
  }
  (void)detail::parse_memory_max(text);
  (void)detail::parse_meminfo_total(text);
  if (auto path = detail::parse_cgroup_v2_path(text)) require(!path->empty(), "an empty cgroup path");
  return 0;
}
