#include "detected_machine.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "hetsched/error.hpp"

namespace hetsched::bench {
namespace {

constexpr std::string_view detected_form =
    "expected detected[,cpus=N][,gpus=N][,gpu_mem=SIZE][,timings=MACHINE][,h2d=RATE,d2h=RATE,d2d=RATE,latency=TIME]"
    "[,copy_lanes=N] "
    "(cpus and gpus default to what the runtime detects; gpus beyond the CUDA devices are logical; the kernel "
    "timings come from MACHINE, default mirage)";

std::string_view key_of(std::string_view item) { return item.substr(0, item.find('=')); }

}  // namespace

bool is_detected_spec(std::string_view spec) { return split(spec, ',').front() == "detected"; }

DetectedSpec parse_detected(std::string_view spec) {
  std::vector<std::string_view> items = split(spec, ',');
  std::string timings = "mirage";
  std::string overrides;
  DetectedSpec parsed;
  bool cpus_given = false;
  bool gpus_given = false;
  bool memory_given = false;
  for (std::size_t i = 1; i < items.size(); ++i) {
    std::string_view item = items[i];
    if (item.find('=') == std::string_view::npos) {
      throw UsageError("--machine: no '=' in '" + std::string(item) + "'; " + std::string(detected_form));
    }
    std::string_view key = key_of(item);
    if (key == "timings") {
      timings = std::string(item.substr(item.find('=') + 1));
      if (timings.empty()) throw UsageError("--machine: no machine named in 'timings='; " + std::string(detected_form));
      continue;
    }
    if (key == "cpu_gflops" || key == "gpu_gflops") {
      throw UsageError("--machine: '" + std::string(item) + "' does not apply to detected (its kernel times come from "
                       "timings=MACHINE); " + std::string(detected_form));
    }
    cpus_given = cpus_given || key == "cpus";
    gpus_given = gpus_given || key == "gpus";
    memory_given = memory_given || key == "gpu_mem";
    parsed.links_given = parsed.links_given || key == "h2d" || key == "d2h" || key == "d2d" || key == "latency";
    parsed.lanes_given = parsed.lanes_given || key == "copy_lanes";
    overrides += "," + std::string(item);
  }
  // The timings machine with the spec's overrides, checked by the machine parser (its errors name the item).
  parsed.model = parse_machine(timings + overrides);
  if (cpus_given) parsed.config.num_cpus = parsed.model.cpus;
  if (gpus_given) parsed.config.num_gpus = parsed.model.gpus;
  if (memory_given) parsed.config.logical_gpu_memory = parsed.model.gpu_memory;
  parsed.model.name = std::string(spec) + " (kernel timings of " + timings + ")";
  return parsed;
}

Machine detected_model(const DetectedSpec& spec, Runtime& runtime) {
  Machine model = spec.model;
  const auto totals = runtime.total_resources();
  model.cpus = static_cast<int>(totals.at("CPU"));
  model.gpus = totals.contains("GPU") ? static_cast<int>(totals.at("GPU")) : 0;
  const StoreStats stats = runtime.store_stats();
  if (!stats.device_capacity.empty()) {
    model.gpu_memory = *std::min_element(stats.device_capacity.begin(), stats.device_capacity.end());
  }
  if (!spec.links_given) {
    const double rate = fresh_memcpy_bytes_per_s();
    model.links = {rate, rate, rate, 0.0, true};
  }
  if (!spec.lanes_given && runtime.hardware().gpus.empty()) {
    model.copy_lanes = std::max(1, runtime.hardware().usable_cores);  // every GPU is logical: copies are memcpys
  }
  return model;
}

double fresh_memcpy_bytes_per_s() {
  constexpr std::size_t bytes = std::size_t{16} << 20;
  std::vector<char> from(bytes, 1);
  double best = 0;
  for (int i = 0; i < 3; ++i) {
    void* to = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (to == MAP_FAILED) throw Error("--machine detected: cannot map 16 MiB to measure memcpy");
    const auto began = std::chrono::steady_clock::now();
    std::memcpy(to, from.data(), bytes);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    munmap(to, bytes);
    best = std::max(best, static_cast<double>(bytes) / seconds);
  }
  return best;
}

detail::Bandwidths links_from_copies(const StoreStats& before, const StoreStats& after,
                                     const detail::Bandwidths& fallback) {
  const auto rate = [](std::size_t bytes_before, std::size_t bytes_after, double seconds_before, double seconds_after,
                       double otherwise) {
    const double seconds = seconds_after - seconds_before;
    return bytes_after > bytes_before && seconds > 0 ? static_cast<double>(bytes_after - bytes_before) / seconds
                                                     : otherwise;
  };
  detail::Bandwidths links = fallback;
  links.host_to_device = rate(before.bytes_host_to_device, after.bytes_host_to_device,
                              before.copy_seconds_host_to_device, after.copy_seconds_host_to_device,
                              fallback.host_to_device);
  links.device_to_host = rate(before.bytes_device_to_host, after.bytes_device_to_host,
                              before.copy_seconds_device_to_host, after.copy_seconds_device_to_host,
                              fallback.device_to_host);
  links.device_to_device = rate(before.bytes_device_to_device, after.bytes_device_to_device,
                                before.copy_seconds_device_to_device, after.copy_seconds_device_to_device,
                                fallback.device_to_device);
  links.latency_s = 0;
  return links;
}

}  // namespace hetsched::bench
