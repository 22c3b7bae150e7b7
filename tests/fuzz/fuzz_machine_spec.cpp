// parse_machine: hetsched-bench's --machine spec (key=value items, optionally after a shipped machine's name).
// Contract: a Machine in its documented ranges, or a UsageError (the error the CLI prints). An input whose first
// item would be read as a file path other than a shipped machine is skipped: the fuzzer must not open /dev/zero.
#include <cmath>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "hetsched/error.hpp"
#include "machine.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hetsched::fuzz::require;
  const std::string spec = hetsched::fuzz::text_of(data, size);
  std::string_view first = std::string_view(spec).substr(0, spec.find(','));
  if (first.find('=') == std::string_view::npos && first != "mirage" && first != "h200x8") return 0;
  try {
    hetsched::bench::Machine machine = hetsched::bench::parse_machine(spec);
    require(machine.cpus >= 0 && machine.gpus >= 0 && machine.gpus <= 62, "CPU or GPU count out of range");
    require(machine.cpus + machine.gpus > 0, "a machine with no device accepted");
    for (double figure : {machine.links.host_to_device, machine.links.device_to_host, machine.links.device_to_device,
                          machine.links.latency_s, machine.cpu_flops_per_s, machine.gpu_flops_per_s}) {
      require(std::isfinite(figure) && figure >= 0, "a link or rate that is not a finite number >= 0");
    }
  } catch (const hetsched::Error&) {
  }
  return 0;
}
