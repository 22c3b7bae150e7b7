// Machine files (JSON): the figures of a real or published machine, each with where it comes from.
#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "hetsched/error.hpp"
#include "machine.hpp"

namespace hetsched::bench {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& path, const std::string& why) {
  throw UsageError("machine file '" + path + "': " + why +
                   "; expected {\"name\", \"cpus\", \"gpus\", \"gpu_memory_bytes\", \"links\": {\"h2d_bytes_per_s\", "
                   "\"d2h_bytes_per_s\", \"d2d_bytes_per_s\", \"latency_s\"}, \"kernels\": {KIND: {\"flops\", "
                   "\"cpu_s\", \"gpu_s\"}}} (see bench/placement/machines/)");
}

double number(const std::string& path, const json& object, const char* key, double fallback) {
  if (!object.contains(key)) return fallback;
  const json& value = object[key];
  if (!value.is_number() || value.get<double>() < 0) bad(path, std::string("\"") + key + "\" is not a number >= 0");
  return value.get<double>();
}

/// A whole number from 0 to `most` (cpus, gpus, bytes): a fraction or a figure past `most` is a mistake to show, not
/// a value to truncate.
double whole(const std::string& path, const json& object, const char* key, double fallback, double most) {
  double value = number(path, object, key, fallback);
  if (value != std::floor(value) || value > most) {
    bad(path, std::string("\"") + key + "\" is not a whole number from 0 to " +
                  std::to_string(static_cast<std::uint64_t>(most)));
  }
  return value;
}

}  // namespace

Machine load_machine_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) bad(path, "cannot be opened");
  json doc;
  try {
    doc = json::parse(in, nullptr, true, true);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number past a double's range
    bad(path, std::string("is not JSON (") + e.what() + ")");
  }
  if (!doc.is_object()) bad(path, "is not a JSON object");
  Machine machine;
  if (doc.contains("name") && !doc["name"].is_string()) bad(path, "\"name\" is not a string");
  machine.name = doc.value("name", path);
  machine.cpus = static_cast<int>(whole(path, doc, "cpus", machine.cpus, 1 << 20));
  machine.gpus = static_cast<int>(whole(path, doc, "gpus", machine.gpus, 62));  // the replica masks hold 62
  // 2^63: any byte count a machine has, and one a uint64_t holds exactly.
  machine.gpu_memory = static_cast<std::uint64_t>(
      whole(path, doc, "gpu_memory_bytes", static_cast<double>(machine.gpu_memory), 0x1p63));
  machine.cpu_flops_per_s = number(path, doc, "cpu_flops_per_s", 0);
  machine.gpu_flops_per_s = number(path, doc, "gpu_flops_per_s", 0);
  if (doc.contains("links")) {
    const json& links = doc["links"];
    if (!links.is_object()) bad(path, "\"links\" is not an object");
    machine.links.host_to_device = number(path, links, "h2d_bytes_per_s", machine.links.host_to_device);
    machine.links.device_to_host = number(path, links, "d2h_bytes_per_s", machine.links.device_to_host);
    machine.links.device_to_device = number(path, links, "d2d_bytes_per_s", machine.links.device_to_device);
    machine.links.latency_s = number(path, links, "latency_s", machine.links.latency_s);
  }
  if (doc.contains("kernels")) {
    const json& kernels = doc["kernels"];
    if (!kernels.is_object()) bad(path, "\"kernels\" is not an object");
    for (const auto& [kind, timing] : kernels.items()) {
      if (!timing.is_object()) bad(path, "kernel \"" + kind + "\" is not an object");
      KernelTiming made;
      made.flops = number(path, timing, "flops", 0);
      made.cpu_s = timing.contains("cpu_s") ? number(path, timing, "cpu_s", -1) : -1;
      made.gpu_s = timing.contains("gpu_s") ? number(path, timing, "gpu_s", -1) : -1;
      if (made.cpu_s < 0 && made.gpu_s < 0) bad(path, "kernel \"" + kind + "\" has neither \"cpu_s\" nor \"gpu_s\"");
      machine.kernels[kind] = made;
    }
  }
  return machine;
}

}  // namespace hetsched::bench
