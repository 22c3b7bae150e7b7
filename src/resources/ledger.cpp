#include "resources/ledger.hpp"

#include <algorithm>
#include <utility>

#include "hetsched/error.hpp"
#include "resources/quantity.hpp"

namespace hetsched::detail {
namespace {

std::string units_text(std::int64_t units) { return quantity_text(from_units(units)); }

}  // namespace

ResourceLedger::ResourceLedger(std::int64_t cpu_units, int gpu_count,
                               const std::map<std::string, std::int64_t>& custom_units,
                               std::vector<std::uint64_t> gpu_memory)
    : cpu_total_(cpu_units), cpu_free_(cpu_units), gpus_(static_cast<std::size_t>(gpu_count)) {
  for (std::size_t d = 0; d < gpus_.size(); ++d) {
    std::uint64_t memory = gpu_memory.empty() ? UINT64_MAX : gpu_memory[d];
    gpus_[d] = {units_per_resource, memory, memory};
  }
  for (const auto& [name, units] : custom_units) custom_.push_back({name, units, units});
}

ResourceLedger::ResourceLedger(ResourceLedger&& other) noexcept
    : cpu_total_(other.cpu_total_),
      cpu_free_(other.cpu_free_.load()),
      gpus_(std::move(other.gpus_)),
      custom_(std::move(other.custom_)) {}

ResourceLedger::Custom* ResourceLedger::find_custom(const std::string& name) {
  auto it = std::lower_bound(custom_.begin(), custom_.end(), name,
                             [](const Custom& c, const std::string& key) { return c.name < key; });
  return it != custom_.end() && it->name == name ? &*it : nullptr;
}

const ResourceLedger::Custom* ResourceLedger::find_custom(const std::string& name) const {
  return const_cast<ResourceLedger*>(this)->find_custom(name);
}

void ResourceLedger::check_feasible(const ResourceDemand& demand) const {
  if (demand.cpu > cpu_total_) {
    throw ResourceError("the task asks for " + units_text(demand.cpu) + " CPU but the runtime has " +
                        units_text(cpu_total_) + " CPU in total; lower .cpus() or raise Config::num_cpus");
  }
  auto gpus = static_cast<std::int64_t>(gpus_.size()) * units_per_resource;
  if (demand.gpu > gpus) {
    throw ResourceError("the task asks for " + units_text(demand.gpu) + " GPU but the runtime has " +
                        std::to_string(gpus_.size()) +
                        " GPU in total; lower .gpus() or raise Config::num_gpus (extra GPUs are logical)");
  }
  if (demand.gpu_memory > 0) {
    if (demand.gpu == 0) {
      throw ResourceError("the task asks for " + std::to_string(demand.gpu_memory) +
                          " bytes of GPU memory but no GPU; add .gpus(n) to place it on a device");
    }
    auto needed = demand.gpu >= units_per_resource ? demand.gpu / units_per_resource : 1;
    auto large_enough = std::count_if(gpus_.begin(), gpus_.end(),
                                      [&](const GpuView& gpu) { return gpu.total_memory >= demand.gpu_memory; });
    if (large_enough < needed) {
      throw ResourceError("the task asks for " + std::to_string(demand.gpu_memory) +
                          " bytes of GPU memory per device, which no" + (needed > 1 ? " set of " : " ") +
                          "device has; lower .gpu_memory() or raise Config::logical_gpu_memory");
    }
  }
  for (const auto& [name, units] : demand.custom) {
    const Custom* custom = find_custom(name);
    if (!custom) {
      throw ResourceError("the task asks for custom resource '" + name +
                          "' which the runtime does not have; add it to Config::resources or HETSCHED_RESOURCES");
    }
    if (units > custom->total) {
      throw ResourceError("the task asks for " + units_text(units) + " of custom resource '" + name +
                          "' but the runtime has " + units_text(custom->total) + " in total");
    }
  }
}

bool ResourceLedger::custom_fits(const ResourceDemand& demand) const {
  for (const auto& [name, units] : demand.custom) {
    if (units > find_custom(name)->free) return false;
  }
  return true;
}

bool ResourceLedger::try_acquire(const ResourceDemand& demand, std::span<const int> devices) {
  if (!custom_fits(demand)) return false;
  if (!try_take_cpus(demand.cpu)) return false;  // last: GPUs and custom resources change only under the lock
  for (const auto& [name, units] : demand.custom) find_custom(name)->free -= units;
  for (int d : devices) {
    GpuView& gpu = gpus_[static_cast<std::size_t>(d)];
    gpu.free_units -= units_per_device(demand);
    gpu.free_memory -= demand.gpu_memory;
  }
  return true;
}

void ResourceLedger::release(const ResourceDemand& demand, std::span<const int> devices, bool cpus_too) {
  if (cpus_too) give_cpus(demand.cpu);
  for (const auto& [name, units] : demand.custom) find_custom(name)->free += units;
  for (int d : devices) {
    GpuView& gpu = gpus_[static_cast<std::size_t>(d)];
    gpu.free_units += units_per_device(demand);
    gpu.free_memory += demand.gpu_memory;
  }
}

std::map<std::string, double> ResourceLedger::totals() const {
  std::map<std::string, double> result{{"CPU", from_units(cpu_total_)},
                                       {"GPU", static_cast<double>(gpus_.size())}};
  for (const auto& custom : custom_) result[custom.name] = from_units(custom.total);
  return result;
}

std::map<std::string, double> ResourceLedger::available() const {
  std::int64_t gpu = 0;
  for (const GpuView& view : gpus_) gpu += view.free_units;
  std::map<std::string, double> result{{"CPU", from_units(std::max<std::int64_t>(cpu_free_.load(), 0))},
                                       {"GPU", from_units(gpu)}};
  for (const auto& custom : custom_) result[custom.name] = from_units(custom.free);
  return result;
}

}  // namespace hetsched::detail
