#include "resources/ledger.hpp"

#include <algorithm>
#include <utility>

#include "hetsched/error.hpp"
#include "resources/quantity.hpp"
#include "scheduler/policy.hpp"
#include "task/task_state.hpp"

namespace hetsched::detail {
namespace {

std::string units_text(std::int64_t units) { return quantity_text(from_units(units)); }

}  // namespace

ResourceLedger::ResourceLedger(std::int64_t cpu_units, int gpu_count,
                               const std::map<std::string, std::int64_t>& custom_units,
                               std::vector<std::uint64_t> gpu_memory)
    : cpu_total_(cpu_units),
      cpu_free_(cpu_units),
      gpu_free_(static_cast<std::size_t>(gpu_count), units_per_resource),
      gpu_memory_total_(gpu_memory.empty() ? std::vector<std::uint64_t>(gpu_free_.size(), UINT64_MAX)
                                           : std::move(gpu_memory)),
      gpu_memory_free_(gpu_memory_total_) {
  for (const auto& [name, units] : custom_units) custom_.push_back({name, units, units});
}

ResourceLedger::ResourceLedger(ResourceLedger&& other) noexcept
    : cpu_total_(other.cpu_total_),
      cpu_free_(other.cpu_free_.load()),
      gpu_free_(std::move(other.gpu_free_)),
      gpu_memory_total_(std::move(other.gpu_memory_total_)),
      gpu_memory_free_(std::move(other.gpu_memory_free_)),
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
  auto gpus = static_cast<std::int64_t>(gpu_free_.size()) * units_per_resource;
  if (demand.gpu > gpus) {
    throw ResourceError("the task asks for " + units_text(demand.gpu) + " GPU but the runtime has " +
                        std::to_string(gpu_free_.size()) +
                        " GPU in total; lower .gpus() or raise Config::num_gpus (extra GPUs are logical)");
  }
  if (demand.gpu_memory > 0) {
    if (demand.gpu == 0) {
      throw ResourceError("the task asks for " + std::to_string(demand.gpu_memory) +
                          " bytes of GPU memory but no GPU; add .gpus(n) to place it on a device");
    }
    auto needed = demand.gpu >= units_per_resource ? demand.gpu / units_per_resource : 1;
    auto large_enough = std::count_if(gpu_memory_total_.begin(), gpu_memory_total_.end(),
                                      [&](std::uint64_t total) { return total >= demand.gpu_memory; });
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

bool ResourceLedger::try_acquire(Task& task, const Policy& policy) {
  const ResourceDemand& demand = task.demand;
  for (const auto& [name, units] : demand.custom) {
    if (units > find_custom(name)->free) return false;
  }
  std::vector<int> devices;
  if (demand.gpu > 0) {
    auto choice = policy.choose_gpus({gpu_free_, gpu_memory_free_}, {demand.gpu, demand.gpu_memory});
    if (!choice) return false;
    devices = std::move(*choice);
  }
  if (!try_take_cpus(demand.cpu)) return false;  // last: GPUs and custom resources change only under the lock
  for (const auto& [name, units] : demand.custom) find_custom(name)->free -= units;
  std::int64_t per_device = devices.empty() ? 0 : std::min(demand.gpu, units_per_resource);
  for (int d : devices) {
    gpu_free_[static_cast<std::size_t>(d)] -= per_device;
    gpu_memory_free_[static_cast<std::size_t>(d)] -= demand.gpu_memory;
  }
  if (!devices.empty() || state_of(task).device_if_any()) {  // a CPU task gets no device bookkeeping
    TaskDeviceState& device = state_of(task).device();
    device.gpu_ids = std::move(devices);
    device.gpu_units_per_device = per_device;
  }
  state_of(task).holds_resources = true;
  return true;
}

void ResourceLedger::give_back(Task& task) {
  if (!state_of(task).holds_resources) return;
  if (!std::exchange(state_of(task).cpus_returned, false)) give_cpus(task.demand.cpu);
  for (const auto& [name, units] : task.demand.custom) find_custom(name)->free += units;
  for (int d : state_of(task).gpu_ids()) {
    gpu_free_[static_cast<std::size_t>(d)] += state_of(task).device_if_any()->gpu_units_per_device;
    gpu_memory_free_[static_cast<std::size_t>(d)] += task.demand.gpu_memory;
  }
  state_of(task).holds_resources = false;
}

bool ResourceLedger::return_cpus(Task& task) {
  if (!state_of(task).holds_resources || state_of(task).cpus_returned || task.demand.cpu == 0) return false;
  state_of(task).cpus_returned = true;
  give_cpus(task.demand.cpu);
  return true;
}

void ResourceLedger::lend_cpus(const Task& task) { give_cpus(task.demand.cpu); }

void ResourceLedger::reclaim_cpus(const Task& task) { cpu_free_.fetch_sub(task.demand.cpu, std::memory_order_seq_cst); }

std::map<std::string, double> ResourceLedger::totals() const {
  std::map<std::string, double> result{{"CPU", from_units(cpu_total_)},
                                       {"GPU", static_cast<double>(gpu_free_.size())}};
  for (const auto& custom : custom_) result[custom.name] = from_units(custom.total);
  return result;
}

std::map<std::string, double> ResourceLedger::available() const {
  std::int64_t gpu = 0;
  for (auto free : gpu_free_) gpu += free;
  std::map<std::string, double> result{{"CPU", from_units(std::max<std::int64_t>(cpu_free_.load(), 0))},
                                       {"GPU", from_units(gpu)}};
  for (const auto& custom : custom_) result[custom.name] = from_units(custom.free);
  return result;
}

}  // namespace hetsched::detail
