#include "config_resolution.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string_view>

#include <unistd.h>

#include "hetsched/detail/resource_demand.hpp"
#include "hetsched/error.hpp"
#include "scheduler/policy.hpp"

namespace hetsched::detail {
namespace {

constexpr int max_slots = 4096;  // a worker thread per CPU slot: beyond this is a typo, not a machine
constexpr const char* resource_shapes =
    "HETSCHED_RESOURCES must be a JSON object like {\"Custom\": 2} or a list like Custom=2,Disk=1";

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

void check_count(const char* what, int value) {
  if (value < 0 || value > max_slots) {
    throw ResourceError(std::string(what) + " = " + std::to_string(value) + " is out of range; use 0 to " +
                        std::to_string(max_slots));
  }
}

/// Where a setting's value came from: "Config::x" or "HETSCHED_X". Every problem with environment text is a
/// UsageError (config.hpp); a field set in code fails with the type its rule has.
struct Source {
  std::string name;
  bool environment = false;

  /// Throws `problem`, prefixed with the source's name: a UsageError from the environment, else an InCode.
  template <class InCode = UsageError>
  [[noreturn]] void reject(const std::string& problem) const {
    if (environment) throw UsageError(name + ": " + problem);
    throw InCode(name + ": " + problem);
  }
};

/// `name` with control characters written as \xNN, so that a message shows what is really there.
std::string printable(const std::string& name) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string text;
  for (char c : name) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      text += "\\x";
      text += hex[byte >> 4];
      text += hex[byte & 0xf];
    } else {
      text += c;
    }
  }
  return text;
}

std::string named_twice(const std::string& name) {
  return "HETSCHED_RESOURCES names '" + printable(name) + "' twice; give each resource once";
}

double parse_quantity(const std::string& name, const std::string& raw) {
  std::string text = trim(raw);
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    throw UsageError("HETSCHED_RESOURCES: the quantity of '" + printable(name) + "' is '" + raw +
                     "', not a number; write it like " + name + "=2");
  }
  return value;
}

/// What is wrong with `name` as a custom resource name (see Config::resources), or nothing.
std::optional<std::string> name_problem(const std::string& name) {
  if (name.empty()) return "a custom resource needs a name";
  if (name == "CPU" || name == "GPU") {
    return "custom resource name '" + name + "' is not allowed; CPU and GPU are set with num_cpus and num_gpus "
                                   "(HETSCHED_NUM_CPUS, HETSCHED_NUM_GPUS)";
  }
  for (char c : name) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      return "custom resource name '" + printable(name) + "' contains " +
             (byte == ' ' ? std::string("a space") : "the control character " + printable(std::string(1, c))) +
             "; names may not contain whitespace or control characters";
    }
  }
  return std::nullopt;
}

/// The policy name `name` from `source`, checked by building it (make_policy knows the names and lists them).
std::string checked_policy(std::string name, const Source& source) {
  try {
    make_policy(name);
  } catch (const UsageError& error) {
    source.reject(error.what());
  }
  return name;
}

/// The completion mode `name` from `source` names; its UsageError prefixed with where the name came from.
GpuCompletion checked_completion(const std::string& name, const Source& source) {
  try {
    return parse_gpu_completion(name);
  } catch (const UsageError& error) {
    source.reject(error.what());
  }
}

/// The model file path `path` from `source`: rejected now when it can never be written at shutdown (empty, a
/// directory, or in a directory that does not exist), so that a run's models are not lost to a typo.
std::string checked_model_path(const std::string& path, const Source& source) {
  if (path.empty()) source.reject("is empty; leave it unset to keep the models only for the runtime's lifetime");
  std::error_code error;
  std::filesystem::path file(path);
  if (std::filesystem::is_directory(file, error)) {
    source.reject("'" + path + "' is a directory; name a file in it, like " + (file / "perf_model.json").string());
  }
  std::filesystem::path directory = file.parent_path();
  if (!directory.empty() && !std::filesystem::is_directory(directory, error)) {
    source.reject("the directory of '" + path + "' does not exist; create it or name a file in an existing one");
  }
  return path;
}

std::map<std::string, double> parse_json_resources(const std::string& text) {
  std::set<std::string> names;
  std::optional<std::string> duplicate;
  auto note_names = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1 && !names.insert(parsed.get<std::string>()).second) {
      if (!duplicate) duplicate = parsed.get<std::string>();
    }
    return true;
  };
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(text, note_names);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError("HETSCHED_RESOURCES is not valid JSON (" + std::string(e.what()) +
                     "); write it like {\"Custom\": 2} or Custom=2,Disk=1");
  }
  if (!parsed.is_object()) {
    throw UsageError(std::string(resource_shapes) + "; '" + text + "' is a JSON " + parsed.type_name());
  }
  if (duplicate) throw UsageError(named_twice(*duplicate));
  std::map<std::string, double> resources;
  for (const auto& [name, value] : parsed.items()) {
    if (!value.is_number()) {
      throw UsageError("HETSCHED_RESOURCES: the quantity of '" + printable(name) + "' is " + value.dump() +
                       ", not a number; write it like {\"" + name + "\": 2}");
    }
    resources[name] = value.get<double>();
  }
  return resources;
}

std::map<std::string, double> parse_pair_resources(std::string_view rest) {
  std::map<std::string, double> resources;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.empty()) continue;
    auto equals = item.find('=');
    if (equals == std::string::npos || trim(item.substr(0, equals)).empty()) {
      throw UsageError("HETSCHED_RESOURCES: '" + printable(item) +
                       "' is not name=quantity; write it like Custom=2,Disk=1");
    }
    std::string name = trim(item.substr(0, equals));
    if (resources.count(name)) throw UsageError(named_twice(name));
    resources[name] = parse_quantity(name, item.substr(equals + 1));
  }
  return resources;
}

/// The host budget and spill settings of `config`, with their HETSCHED_* overrides (see Config::object_store_bytes).
void resolve_spilling(const Config& config, const HardwareInfo& hardware, EnvironmentLookup lookup,
                      ResolvedConfig& resolved) {
  resolved.object_store_bytes = config.object_store_bytes.value_or(hardware.memory_bytes / 10 * 3);
  if (config.object_store_bytes && *config.object_store_bytes == 0) {
    throw UsageError("Config::object_store_bytes = 0 leaves no room for any object; leave it unset (30% of memory) "
                     "or give a size in bytes");
  }
  if (resolved.object_store_bytes == 0) resolved.object_store_bytes = std::uint64_t{1} << 30;  // memory unknown
  resolved.spill_dir = config.spill_dir.value_or(default_spill_dir(lookup));
  resolved.spill_batch_bytes = config.spill_batch_bytes;
  if (config.read_environment) {
    if (auto value = lookup("HETSCHED_OBJECT_STORE_BYTES")) {
      resolved.object_store_bytes = parse_byte_count("HETSCHED_OBJECT_STORE_BYTES", *value);
    }
    if (auto value = lookup("HETSCHED_SPILL_DIR")) resolved.spill_dir = trim(*value);
  }
  if (resolved.spill_dir.empty() || resolved.spill_dir.front() != '/') {
    throw UsageError("the spill directory '" + resolved.spill_dir + "' (Config::spill_dir or HETSCHED_SPILL_DIR) is "
                     "not an absolute path; give one like /scratch/spill");
  }
}

/// HETSCHED_TIMELINE (a path; empty: none) and HETSCHED_PROGRESS (1/0, on/off, true/false, yes/no).
void resolve_observability(EnvironmentLookup lookup, ResolvedConfig& resolved) {
  if (auto value = lookup("HETSCHED_TIMELINE")) resolved.timeline_path = trim(*value);
  if (auto value = lookup("HETSCHED_PROGRESS")) {
    const std::string text = trim(*value);
    if (text == "1" || text == "on" || text == "true" || text == "yes") {
      resolved.progress = true;
    } else if (!(text.empty() || text == "0" || text == "off" || text == "false" || text == "no")) {
      throw UsageError("HETSCHED_PROGRESS='" + printable(text) + "' is not a switch; set HETSCHED_PROGRESS=1 for a "
                       "progress line each second, or 0 (or unset it) for none");
    }
  }
}

}  // namespace

std::uint64_t parse_byte_count(const char* variable, const std::string& raw) {
  std::string text = trim(raw);
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  int shift = 0;
  std::string_view suffix(end, static_cast<std::size_t>(text.data() + text.size() - end));
  if (suffix == "K" || suffix == "k") shift = 10;
  if (suffix == "M" || suffix == "m") shift = 20;
  if (suffix == "G" || suffix == "g") shift = 30;
  if (suffix == "T" || suffix == "t") shift = 40;
  const bool known_suffix = suffix.empty() || shift != 0;
  if (text.empty() || error != std::errc() || !known_suffix || value == 0 || value > (~std::uint64_t{0} >> shift)) {
    throw UsageError(std::string(variable) + "='" + raw + "' is not a positive byte count; write it like " +
                     variable + "=536870912 or " + variable + "=512M (K, M, G, T: powers of 1024)");
  }
  return value << shift;
}

std::string default_spill_dir(EnvironmentLookup lookup) {
  std::string base = "/tmp";
  if (auto tmpdir = lookup("TMPDIR"); tmpdir && !tmpdir->empty() && tmpdir->front() == '/') base = *tmpdir;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  return base + "/hetsched-spill-" + std::to_string(::getuid());
}

AdviceSink advice_from_environment(const std::string& text, AdviceSink configured) {
  std::string choice = trim(text);
  std::transform(choice.begin(), choice.end(), choice.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (choice == "off") return nullptr;
  if (choice == "on") return configured ? configured : AdviceSink(print_advice);
  throw UsageError("HETSCHED_ADVICE='" + printable(text) +
                   "' is not a choice; set HETSCHED_ADVICE=off to silence the advisor, or on to hear it");
}

std::optional<std::string> process_environment(const char* name) {
  const char* value = std::getenv(name);
  if (!value) return std::nullopt;
  return std::string(value);
}

std::map<std::string, double> parse_resource_list(const std::string& text) {
  std::string trimmed = trim(text);
  if (trimmed.empty()) return {};
  // Text that starts like JSON, or is JSON of another kind (a number, a string), is read as JSON.
  if (trimmed.front() == '{' || trimmed.front() == '[' || nlohmann::json::accept(trimmed)) {
    return parse_json_resources(trimmed);
  }
  return parse_pair_resources(trimmed);
}

ResolvedConfig resolve_config(const Config& config, const HardwareInfo& hardware, EnvironmentLookup lookup) {
  ResolvedConfig resolved;
  resolved.num_cpus = config.num_cpus.value_or(hardware.usable_cores);
  resolved.num_gpus = config.num_gpus.value_or(static_cast<int>(hardware.gpus.size()));
  std::optional<std::string> model_path = config.perf_model_path;
  Source model_path_source{"Config::perf_model_path"};
  std::map<std::string, double> resources = config.resources;
  Source resources_source{"Config::resources"};
  std::string placement = config.placement_policy;
  Source placement_source{"Config::placement_policy"};
  std::string completion = config.gpu_completion;
  Source completion_source{"Config::gpu_completion"};
  resolved.advice = config.advice;
  if (config.read_environment) {
    if (auto value = lookup("HETSCHED_ADVICE")) resolved.advice = advice_from_environment(*value, config.advice);
    if (auto value = lookup("HETSCHED_NUM_CPUS")) resolved.num_cpus = parse_count("HETSCHED_NUM_CPUS", *value);
    if (auto value = lookup("HETSCHED_NUM_GPUS")) resolved.num_gpus = parse_count("HETSCHED_NUM_GPUS", *value);
    if (auto value = lookup("HETSCHED_RESOURCES")) {
      resources = parse_resource_list(*value);
      resources_source = {"HETSCHED_RESOURCES", true};
    }
    if (auto value = lookup("HETSCHED_PLACEMENT")) {
      placement = trim(*value);
      placement_source = {"HETSCHED_PLACEMENT", true};
    }
    if (auto value = lookup("HETSCHED_GPU_COMPLETION")) {
      completion = trim(*value);
      completion_source = {"HETSCHED_GPU_COMPLETION", true};
    }
    if (auto value = lookup("HETSCHED_PERF_MODEL")) {
      model_path = trim(*value);
      model_path_source = {"HETSCHED_PERF_MODEL", true};
      if (model_path->empty()) model_path.reset();  // HETSCHED_PERF_MODEL= turns a file set in code off
    }
  }
  check_count("Config::num_cpus", resolved.num_cpus);
  check_count("Config::num_gpus", resolved.num_gpus);
  if (config.max_bypass < 0) {
    throw UsageError("Config::max_bypass = " + std::to_string(config.max_bypass) + " is negative; use 0 or more");
  }
  resolved.max_bypass = static_cast<std::uint32_t>(config.max_bypass);
  resolved.placement_policy = checked_policy(std::move(placement), placement_source);
  resolved.gpu_completion = checked_completion(completion, completion_source);
  if (model_path) resolved.perf_model_path = checked_model_path(*model_path, model_path_source);
  resolve_spilling(config, hardware, lookup, resolved);
  if (config.read_environment) resolve_observability(lookup, resolved);
  resolved.real_gpus = std::min(static_cast<int>(hardware.gpus.size()), resolved.num_gpus);
  constexpr std::uint64_t default_logical_gpu_memory = std::uint64_t{16} << 30;
  for (int device = 0; device < resolved.num_gpus; ++device) {
    resolved.gpu_memory.push_back(device < resolved.real_gpus
                                      ? hardware.gpus[static_cast<std::size_t>(device)].memory_bytes / 10 * 9  // 90%
                                      : config.logical_gpu_memory.value_or(default_logical_gpu_memory));
  }
  for (const auto& [name, quantity] : resources) {
    if (auto problem = name_problem(name)) resources_source.reject<ResourceError>(*problem);
    try {
      resolved.custom_units[name] = to_units("custom resource '" + name + "'", quantity);
    } catch (const ResourceError& error) {
      resources_source.reject<ResourceError>(error.what());
    }
  }
  return resolved;
}

}  // namespace hetsched::detail
