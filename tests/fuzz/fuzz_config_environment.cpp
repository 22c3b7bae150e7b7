// resolve_config over an arbitrary environment. The input is the environment, one NAME=VALUE per line (a later line
// for the same name wins). Contract: a ResolvedConfig that satisfies its documented ranges, or a hetsched::Error
// (UsageError for environment text, ResourceError for a quantity out of range).
#include <map>
#include <optional>
#include <string>

#include "config_resolution.hpp"
#include "fuzz_support.hpp"
#include "hetsched/error.hpp"
#include "scheduler/policy.hpp"

namespace {

std::map<std::string, std::string>& environment() {
  static std::map<std::string, std::string> values;
  return values;
}

std::optional<std::string> lookup(const char* name) {
  auto it = environment().find(name);
  if (it == environment().end()) return std::nullopt;
  return it->second;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hetsched::fuzz::require;
  std::string text = hetsched::fuzz::text_of(data, size);
  environment().clear();
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    std::size_t equals = line.find('=');
    if (equals != std::string::npos) environment()[line.substr(0, equals)] = line.substr(equals + 1);
    start = end + 1;
  }
  hetsched::HardwareInfo hardware;
  hardware.online_cores = hardware.usable_cores = 8;
  hardware.memory_bytes = std::size_t{16} << 30;
  hetsched::Config config;
  config.read_environment = true;
  try {
    hetsched::detail::ResolvedConfig resolved = hetsched::detail::resolve_config(config, hardware, lookup);
    require(resolved.num_cpus >= 0 && resolved.num_cpus <= 4096, "num_cpus out of 0..4096");
    require(resolved.num_gpus >= 0 && resolved.num_gpus <= 4096, "num_gpus out of 0..4096");
    require(resolved.real_gpus == 0, "real GPUs on a machine without any");
    require(resolved.gpu_memory.size() == static_cast<std::size_t>(resolved.num_gpus), "a memory size per GPU");
    require(resolved.object_store_bytes > 0, "a host budget of 0 bytes");
    require(!resolved.spill_dir.empty() && resolved.spill_dir.front() == '/', "a spill directory that is not absolute");
    for (const auto& [name, units] : resolved.custom_units) {
      require(!name.empty() && name != "CPU" && name != "GPU", "a custom resource with a reserved name");
      require(units >= 0, "a negative custom quantity");
    }
    hetsched::detail::make_policy(resolved.placement_policy);  // the name it kept must build
  } catch (const hetsched::Error&) {
    // the documented outcome for a bad value
  }
  return 0;
}
