// load_machine_file: a hetsched-bench machine file (JSON, see bench/placement/machines/). Contract: a Machine in its
// documented ranges, or a UsageError naming the file (the error the CLI prints).
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "hetsched/error.hpp"
#include "machine.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hetsched::fuzz::require;
  const std::string text = hetsched::fuzz::text_of(data, size);
  const std::string& path = hetsched::fuzz::scratch_file("machine_file", text);
  try {
    hetsched::bench::Machine machine = hetsched::bench::load_machine_file(path);
    require(machine.cpus >= 0 && machine.gpus >= 0 && machine.gpus <= 62, "CPU or GPU count out of range");
    for (double figure : {machine.links.host_to_device, machine.links.device_to_host, machine.links.device_to_device,
                          machine.links.latency_s, machine.cpu_flops_per_s, machine.gpu_flops_per_s}) {
      require(std::isfinite(figure) && figure >= 0, "a link or rate that is not a finite number >= 0");
    }
    // The machine holds what the file says: counts and sizes exactly, nothing truncated.
    const nlohmann::json doc = nlohmann::json::parse(text, nullptr, true, true);
    if (doc.contains("cpus")) require(doc["cpus"].get<double>() == machine.cpus, "\"cpus\" is not the file's");
    if (doc.contains("gpus")) require(doc["gpus"].get<double>() == machine.gpus, "\"gpus\" is not the file's");
    if (doc.contains("gpu_memory_bytes")) {
      require(doc["gpu_memory_bytes"].get<double>() == static_cast<double>(machine.gpu_memory),
              "\"gpu_memory_bytes\" is not the file's");
    }
    for (const auto& [kind, timing] : machine.kernels) {
      require(timing.cpu_s >= 0 || timing.gpu_s >= 0, "a kernel with neither a CPU nor a GPU time");
      require(!std::isnan(hetsched::bench::kernel_seconds(machine, kind, 1e9, false)), "a kernel time that is NaN");
      require(!std::isnan(hetsched::bench::kernel_seconds(machine, kind, 1e9, true)), "a kernel time that is NaN");
    }
  } catch (const hetsched::Error&) {
  }
  return 0;
}
