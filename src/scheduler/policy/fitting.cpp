// What every policy shares: which devices a body fits on now, whether it could ever fit, and the best-of-the-fitting
// choice the simple policies make.
#include <algorithm>
#include <cmath>
#include <limits>

#include "hetsched/detail/resource_demand.hpp"
#include "scheduler/policy.hpp"

namespace hetsched::detail {
namespace {

bool whole_demand(const VariantView& variant) noexcept { return variant.gpu_units >= units_per_resource; }

std::size_t devices_needed(const VariantView& variant) noexcept {
  if (!variant.on_gpu()) return 0;
  return whole_demand(variant) ? static_cast<std::size_t>(variant.gpu_units / units_per_resource) : 1;
}

}  // namespace

double input_transfer_seconds(const Snapshot& snapshot, int node) {
  const std::uint64_t here = node < 0 ? host_node_bit : gpu_node_bit(node);
  double total = 0;
  for (const InputView& input : snapshot.task.inputs) {
    if (input.valid_nodes == 0 || (input.valid_nodes & here)) continue;
    double cheapest = std::numeric_limits<double>::infinity();
    if (input.valid_nodes & host_node_bit) cheapest = snapshot.links.transfer_seconds(-1, node, input.bytes);
    for (std::size_t d = 0; d < snapshot.gpus.size(); ++d) {
      if (input.valid_nodes & gpu_node_bit(static_cast<int>(d))) {
        cheapest = std::min(cheapest, snapshot.links.transfer_seconds(static_cast<int>(d), node, input.bytes));
      }
    }
    if (std::isfinite(cheapest)) total += cheapest;
  }
  return total;
}

std::vector<int> fitting_devices(const Snapshot& snapshot, const VariantView& variant) {
  std::vector<int> fitting;
  if (!variant.on_gpu()) return fitting;
  const std::int64_t units_needed = whole_demand(variant) ? units_per_resource : variant.gpu_units;
  for (std::size_t d = 0; d < snapshot.gpus.size(); ++d) {
    const GpuView& gpu = snapshot.gpus[d];
    if (gpu.free_units >= units_needed && gpu.free_memory >= variant.gpu_memory) fitting.push_back(static_cast<int>(d));
  }
  return fitting;
}

bool could_ever_fit(const Snapshot& snapshot, const VariantView& variant) {
  if (variant.cpu_units > snapshot.total_cpu_units && snapshot.total_cpu_units > 0) return false;
  auto large_enough = std::count_if(snapshot.gpus.begin(), snapshot.gpus.end(),
                                    [&](const GpuView& gpu) { return gpu.total_memory >= variant.gpu_memory; });
  return static_cast<std::size_t>(large_enough) >= devices_needed(variant);
}

bool fits_now(const Snapshot& snapshot, const VariantView& variant) {
  if (variant.cpu_units > 0 && variant.cpu_units > snapshot.free_cpu_units) return false;
  return !variant.on_gpu() || fitting_devices(snapshot, variant).size() >= devices_needed(variant);
}

Decision choose_devices(const Snapshot& snapshot, std::size_t variant_index,
                        bool (*prefer)(const Snapshot&, int candidate, int best)) {
  const VariantView& variant = snapshot.task.variants[variant_index];
  const int index = static_cast<int>(variant_index);
  if (!could_ever_fit(snapshot, variant)) return Decision::infeasible();
  if (!fits_now(snapshot, variant)) return Decision::wait();
  if (!variant.on_gpu()) return Decision::place({}, index);
  std::vector<int> fitting = fitting_devices(snapshot, variant);
  if (devices_needed(variant) > 1) {
    fitting.resize(devices_needed(variant));
    return Decision::place(std::move(fitting), index);
  }
  int best = fitting.front();
  for (int candidate : fitting) {
    if (prefer(snapshot, candidate, best)) best = candidate;
  }
  return Decision::place({best}, index);
}

}  // namespace hetsched::detail
