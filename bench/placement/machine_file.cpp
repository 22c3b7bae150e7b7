// Machine files (JSON): the figures of a real or published machine, each with where it comes from.
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

}  // namespace

Machine load_machine_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) bad(path, "cannot be opened");
  json doc;
  try {
    doc = json::parse(in, nullptr, true, true);
  } catch (const json::parse_error& e) {
    bad(path, std::string("is not JSON (") + e.what() + ")");
  }
  if (!doc.is_object()) bad(path, "is not a JSON object");
  Machine machine;
  machine.name = doc.value("name", path);
  machine.cpus = static_cast<int>(number(path, doc, "cpus", machine.cpus));
  machine.gpus = static_cast<int>(number(path, doc, "gpus", machine.gpus));
  if (machine.gpus > 62) bad(path, "\"gpus\" is over 62");
  machine.gpu_memory = static_cast<std::uint64_t>(number(path, doc, "gpu_memory_bytes", static_cast<double>(machine.gpu_memory)));
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
