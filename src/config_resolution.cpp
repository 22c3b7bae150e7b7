#include "config_resolution.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdlib>
#include <string_view>

#include "hetsched/detail/resource_demand.hpp"
#include "hetsched/error.hpp"

namespace hetsched::detail {
namespace {

constexpr int max_slots = 4096;  // a worker thread per CPU slot: beyond this is a typo, not a machine

std::string trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t\n\r");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t\n\r");
  return std::string(text.substr(first, last - first + 1));
}

int parse_count(const char* variable, const std::string& raw) {
  std::string text = trim(raw);
  int value = -1;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 0 || value > max_slots) {
    throw UsageError(std::string(variable) + "='" + raw + "' is not a whole number from 0 to " +
                     std::to_string(max_slots) + "; set it like " + variable + "=4, or unset it");
  }
  return value;
}

double parse_quantity(const std::string& name, const std::string& raw) {
  std::string text = trim(raw);
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    throw UsageError("HETSCHED_RESOURCES: the quantity of '" + name + "' is '" + raw +
                     "', not a number; write it like " + name + "=2");
  }
  return value;
}

void check_count(const char* what, int value) {
  if (value < 0 || value > max_slots) {
    throw ResourceError(std::string(what) + " = " + std::to_string(value) + " is out of range; use 0 to " +
                        std::to_string(max_slots));
  }
}

}  // namespace

std::optional<std::string> process_environment(const char* name) {
  const char* value = std::getenv(name);
  if (!value) return std::nullopt;
  return std::string(value);
}

std::map<std::string, double> parse_resource_list(const std::string& text) {
  std::map<std::string, double> resources;
  std::string trimmed = trim(text);
  if (trimmed.empty()) return resources;
  if (trimmed.front() == '{') {
    nlohmann::json parsed;
    try {
      parsed = nlohmann::json::parse(trimmed);
    } catch (const nlohmann::json::exception& e) {
      throw UsageError("HETSCHED_RESOURCES is not valid JSON (" + std::string(e.what()) +
                       "); write it like {\"Custom\": 2} or Custom=2,Disk=1");
    }
    if (!parsed.is_object()) throw UsageError("HETSCHED_RESOURCES must be a JSON object like {\"Custom\": 2}");
    for (const auto& [name, value] : parsed.items()) {
      if (!value.is_number()) {
        throw UsageError("HETSCHED_RESOURCES: the quantity of '" + name + "' is " + value.dump() +
                         ", not a number; write it like {\"" + name + "\": 2}");
      }
      resources[name] = value.get<double>();
    }
    return resources;
  }
  std::string_view rest = trimmed;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.empty()) continue;
    auto equals = item.find('=');
    if (equals == std::string::npos || trim(item.substr(0, equals)).empty()) {
      throw UsageError("HETSCHED_RESOURCES: '" + item + "' is not name=quantity; write it like Custom=2,Disk=1");
    }
    std::string name = trim(item.substr(0, equals));
    resources[name] = parse_quantity(name, item.substr(equals + 1));
  }
  return resources;
}

ResolvedConfig resolve_config(const Config& config, const HardwareInfo& hardware, EnvironmentLookup lookup) {
  ResolvedConfig resolved;
  resolved.num_cpus = config.num_cpus.value_or(hardware.usable_cores);
  resolved.num_gpus = config.num_gpus.value_or(static_cast<int>(hardware.gpus.size()));
  std::map<std::string, double> resources = config.resources;
  std::string resources_source = "Config::resources";
  if (config.read_environment) {
    if (auto value = lookup("HETSCHED_NUM_CPUS")) resolved.num_cpus = parse_count("HETSCHED_NUM_CPUS", *value);
    if (auto value = lookup("HETSCHED_NUM_GPUS")) resolved.num_gpus = parse_count("HETSCHED_NUM_GPUS", *value);
    if (auto value = lookup("HETSCHED_RESOURCES")) {
      resources = parse_resource_list(*value);
      resources_source = "HETSCHED_RESOURCES";
    }
  }
  check_count("Config::num_cpus", resolved.num_cpus);
  check_count("Config::num_gpus", resolved.num_gpus);
  if (config.max_bypass < 0) {
    throw UsageError("Config::max_bypass = " + std::to_string(config.max_bypass) + " is negative; use 0 or more");
  }
  resolved.max_bypass = static_cast<std::uint32_t>(config.max_bypass);
  constexpr std::uint64_t default_logical_gpu_memory = std::uint64_t{16} << 30;
  for (int device = 0; device < resolved.num_gpus; ++device) {
    auto index = static_cast<std::size_t>(device);
    resolved.gpu_memory.push_back(index < hardware.gpus.size()
                                      ? hardware.gpus[index].memory_bytes / 10 * 9  // the default 90% cap
                                      : config.logical_gpu_memory.value_or(default_logical_gpu_memory));
  }
  for (const auto& [name, quantity] : resources) {
    if (name.empty() || name == "CPU" || name == "GPU") {
      throw ResourceError(resources_source + ": custom resource name '" + name +
                          "' is not allowed; CPU and GPU are set with num_cpus and num_gpus, and a name is required");
    }
    try {
      resolved.custom_units[name] = to_units("custom resource '" + name + "'", quantity);
    } catch (const ResourceError& error) {
      throw ResourceError(resources_source + ": " + error.what());
    }
  }
  return resolved;
}

}  // namespace hetsched::detail
