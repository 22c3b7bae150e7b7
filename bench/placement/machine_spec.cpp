// --machine: a spec string of key=value items, optionally on top of a machine file.
#include <charconv>
#include <filesystem>
#include <cmath>
#include <string>
#include <vector>

#include "hetsched/error.hpp"
#include "machine.hpp"

namespace hetsched::bench {
namespace {

constexpr std::string_view expected_form =
    "expected [FILE.json,]key=value,... with keys cpus=16, gpus=4, gpu_mem=80GiB, h2d=25GB/s, d2h=25GB/s, "
    "d2d=300GB/s (0: through the host), latency=10us, copy_lanes=2 (at most 2 copies at once; 0: no limit), "
    "cpu_gflops=20, gpu_gflops=10000; FILE is a path or a shipped "
    "machine (mirage, h200x8)";

[[noreturn]] void bad(std::string_view item, std::string_view why) {
  throw UsageError("--machine: " + std::string(why) + " in '" + std::string(item) + "'; " + std::string(expected_form));
}

/// The number at the start of `text` and the unit after it.
std::pair<double, std::string_view> number_and_unit(std::string_view item, std::string_view text) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || !std::isfinite(value) || value < 0) bad(item, "not a non-negative number");
  return {value, text.substr(static_cast<std::size_t>(end - text.data()))};
}

double scaled(std::string_view item, std::string_view text,
              std::initializer_list<std::pair<std::string_view, double>> units) {
  auto [value, unit] = number_and_unit(item, text);
  for (auto [name, factor] : units) {
    if (unit != name) continue;
    if (!std::isfinite(value * factor)) bad(item, "a number too large");
    return value * factor;
  }
  bad(item, "unknown unit '" + std::string(unit) + "'");
}

int whole(std::string_view item, std::string_view text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) bad(item, "not a whole number >= 0");
  return value;
}


}  // namespace

std::vector<std::string_view> split(std::string_view text, char by) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = text.find(by, start);
    parts.push_back(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) return parts;
    start = comma + 1;
  }
}

std::string shipped_machine_path(std::string_view name) {
  std::string path(name);
  if (std::filesystem::exists(path)) return path;
  std::string shipped = std::string(HETSCHED_BENCH_MACHINES_DIR) + "/" + path + ".json";
  if (std::filesystem::exists(shipped)) return shipped;
  std::string known;
  for (const auto& entry : std::filesystem::directory_iterator(HETSCHED_BENCH_MACHINES_DIR)) {
    if (entry.path().extension() == ".json") known += (known.empty() ? "" : ", ") + entry.path().stem().string();
  }
  throw UsageError("--machine: '" + path + "' is neither a machine file nor a shipped machine (" + known + ", in " +
                   HETSCHED_BENCH_MACHINES_DIR + "); " + std::string(expected_form));
}

Machine parse_machine(std::string_view spec) {
  std::vector<std::string_view> items = split(spec, ',');
  Machine machine;
  std::size_t first = 0;
  if (!items.empty() && items[0].find('=') == std::string_view::npos) {
    machine = load_machine_file(shipped_machine_path(items[0]));
    first = 1;
  }
  const std::initializer_list<std::pair<std::string_view, double>> bytes_units = {
      {"", 1}, {"B", 1}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
      {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}};
  const std::initializer_list<std::pair<std::string_view, double>> rate_units = {
      {"B/s", 1}, {"KB/s", 1e3}, {"MB/s", 1e6}, {"GB/s", 1e9}, {"TB/s", 1e12}, {"GiB/s", 1073741824.0}};
  const std::initializer_list<std::pair<std::string_view, double>> time_units = {
      {"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}};
  for (std::size_t i = first; i < items.size(); ++i) {
    std::string_view item = items[i];
    std::size_t equals = item.find('=');
    if (equals == std::string_view::npos) bad(item, i == 0 ? "neither a machine file nor key=value" : "no '='");
    std::string_view key = item.substr(0, equals);
    std::string_view value = item.substr(equals + 1);
    if (key == "cpus") {
      machine.cpus = whole(item, value);
    } else if (key == "gpus") {
      machine.gpus = whole(item, value);
      if (machine.gpus > 62) bad(item, "more than 62 GPUs (the replica masks hold 62)");
    } else if (key == "gpu_mem") {
      double bytes = scaled(item, value, bytes_units);
      if (bytes >= 0x1p63) bad(item, "more than 2^63 bytes");  // beyond any GPU, and past what a uint64_t holds
      machine.gpu_memory = static_cast<std::uint64_t>(bytes);
    } else if (key == "h2d") {
      machine.links.host_to_device = scaled(item, value, rate_units);
    } else if (key == "d2h") {
      machine.links.device_to_host = scaled(item, value, rate_units);
    } else if (key == "d2d") {
      machine.links.device_to_device = scaled(item, value, rate_units);
    } else if (key == "latency") {
      machine.links.latency_s = scaled(item, value, time_units);
    } else if (key == "copy_lanes") {
      machine.copy_lanes = whole(item, value);
    } else if (key == "cpu_gflops") {
      machine.cpu_flops_per_s = scaled(item, value, {{"", 1e9}});
    } else if (key == "gpu_gflops") {
      machine.gpu_flops_per_s = scaled(item, value, {{"", 1e9}});
    } else {
      bad(item, "unknown key '" + std::string(key) + "'");
    }
  }
  if (machine.cpus == 0 && machine.gpus == 0) bad(spec, "a machine with no CPU and no GPU");
  if (first == 0) machine.name = std::string(spec);
  else machine.name += items.size() > 1 ? " (" + std::string(spec.substr(items[0].size() + 1)) + ")" : "";
  return machine;
}

double kernel_seconds(const Machine& machine, std::string_view kind, double flops, bool gpu) {
  auto timing = machine.kernels.find(kind);
  if (timing != machine.kernels.end()) {
    double seconds = gpu ? timing->second.gpu_s : timing->second.cpu_s;
    if (seconds >= 0) {
      return timing->second.flops > 0 && flops > 0 ? seconds * flops / timing->second.flops : seconds;
    }
  }
  double rate = gpu ? machine.gpu_flops_per_s : machine.cpu_flops_per_s;
  return rate > 0 && flops > 0 ? flops / rate : -1;
}

}  // namespace hetsched::bench
