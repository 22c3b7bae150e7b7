// The `hetsched` command: `hetsched info [--json]` shows what detection found and what a default Runtime offers.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "hetsched/hetsched.hpp"
#include "scheduler/policy.hpp"

namespace {

/// The environment variables a Runtime reads (see config.hpp).
constexpr const char* environment_names[] = {"HETSCHED_NUM_CPUS", "HETSCHED_NUM_GPUS", "HETSCHED_RESOURCES",
                                             "HETSCHED_PLACEMENT", "HETSCHED_GPU_COMPLETION", "HETSCHED_PERF_MODEL"};

/// What `info` reports: the hardware, and the default Runtime's totals or why it could not start.
struct Report {
  hetsched::HardwareInfo hardware;
  std::map<std::string, double> resources;
  std::optional<std::string> runtime_error;
  std::map<std::string, std::string> environment;
};

Report gather() {
  Report report;
  for (const char* name : environment_names) {
    if (const char* value = std::getenv(name)) report.environment[name] = value;
  }
  try {
    hetsched::Runtime runtime;
    report.hardware = runtime.hardware();
    report.resources = runtime.total_resources();
  } catch (const std::exception& error) {
    report.hardware = hetsched::detect_hardware();
    report.runtime_error = error.what();
  }
  return report;
}

/// GPUs in the totals beyond the CUDA devices found: logical devices backed by host memory.
int logical_gpus(const Report& report) {
  auto gpu = report.resources.find("GPU");
  if (gpu == report.resources.end()) return 0;
  int total = static_cast<int>(std::lround(gpu->second));
  int physical = static_cast<int>(report.hardware.gpus.size());
  return total > physical ? total - physical : 0;
}

std::string gibibytes(std::size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
  return text;
}

/// A resource quantity as Ray prints it: whole numbers without decimals, fractions to 1e-4.
std::string quantity(double value) {
  std::ostringstream text;
  if (value == std::floor(value)) {
    text << static_cast<long long>(value);
  } else {
    text.precision(4);
    text << std::fixed << value;
  }
  return text.str();
}

void print_text(const Report& report) {
  const auto& hardware = report.hardware;
  std::cout << "hetsched " << hetsched::version_string << "\n\n"
            << "cores   " << hardware.usable_cores << " usable of " << hardware.online_cores << " online\n"
            << "        " << hardware.cores_note << "\n"
            << "memory  " << gibibytes(hardware.memory_bytes) << " (" << hardware.memory_bytes << " bytes)\n"
            << "        " << hardware.memory_note << "\n"
            << "gpus    " << hardware.gpus.size() << "\n"
            << "        " << hardware.gpu_note << "\n";
  for (const auto& gpu : hardware.gpus) {
    std::cout << "  [" << gpu.index << "] " << gpu.name << ", " << gibibytes(gpu.memory_bytes) << ", "
              << gpu.multiprocessors << " SMs, compute capability " << gpu.compute_capability_major << "."
              << gpu.compute_capability_minor << ", PCI " << gpu.pci_bus_id << "\n";
  }

  std::cout << "\nplacement policies: " << hetsched::detail::known_policy_names() << "\n";
  std::cout << "\nresources of a default Runtime";
  if (!report.environment.empty()) {
    std::cout << " (with";
    for (const auto& [name, value] : report.environment) std::cout << " " << name << "=" << value;
    std::cout << ")";
  }
  std::cout << "\n";
  if (report.runtime_error) {
    std::cout << "  the Runtime did not start: " << *report.runtime_error << "\n";
    return;
  }
  for (const auto& [name, total] : report.resources) {
    std::cout << "  " << name << " " << quantity(total);
    if (name == "GPU" && total > 0) {
      std::cout << " (" << report.hardware.gpus.size() << " CUDA, " << logical_gpus(report) << " logical)";
    }
    std::cout << "\n";
  }
}

nlohmann::ordered_json to_json(const Report& report) {
  const auto& hardware = report.hardware;
  nlohmann::ordered_json gpus = nlohmann::ordered_json::array();
  for (const auto& gpu : hardware.gpus) {
    gpus.push_back({{"index", gpu.index},
                    {"name", gpu.name},
                    {"memory_bytes", gpu.memory_bytes},
                    {"multiprocessors", gpu.multiprocessors},
                    {"compute_capability", std::to_string(gpu.compute_capability_major) + "." +
                                               std::to_string(gpu.compute_capability_minor)},
                    {"pci_bus_id", gpu.pci_bus_id}});
  }
  nlohmann::ordered_json json = {
      {"version", hetsched::version_string},
      {"hardware",
       {{"online_cores", hardware.online_cores},
        {"usable_cores", hardware.usable_cores},
        {"cores_note", hardware.cores_note},
        {"memory_bytes", hardware.memory_bytes},
        {"memory_note", hardware.memory_note},
        {"gpus", gpus},
        {"gpu_note", hardware.gpu_note}}},
      {"environment", report.environment},
      {"placement_policies", hetsched::detail::known_policy_names()},
  };
  if (report.runtime_error) {
    json["runtime_error"] = *report.runtime_error;
  } else {
    json["resources"] = report.resources;
    json["logical_gpus"] = logical_gpus(report);
  }
  return json;
}

int run_info(bool as_json) {
  Report report = gather();
  if (as_json) {
    // Replace rather than throw on a device name that is not valid UTF-8.
    std::cout << to_json(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  } else {
    print_text(report);
  }
  if (report.runtime_error) {
    std::cerr << "hetsched: the Runtime did not start: " << *report.runtime_error << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hetsched: Ray's task model on the CPUs and GPUs of one machine", "hetsched"};
  app.set_version_flag("--version", std::string(hetsched::version_string));
  // At most one subcommand, so an unknown word is reported by name; none at all is handled below.
  app.require_subcommand(0, 1);
  bool as_json = false;
  CLI::App* info = app.add_subcommand(
      "info", "Show the detected cores, memory and GPUs, and the resources a default Runtime offers");
  info->add_flag("--json", as_json, "Print the same as JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  if (!info->parsed()) {
    std::cerr << "hetsched: name a command, e.g. `hetsched info`; see `hetsched --help`\n";
    return 2;
  }
  try {
    return run_info(as_json);
  } catch (const std::exception& error) {
    std::cerr << "hetsched: " << error.what() << "\n";
    return 1;
  }
}
