// The ledger of totals and free amounts: CPUs, per-GPU instances and custom resources. Not thread-safe: the
// scheduler owns it and calls it under its lock.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hetsched/detail/resource_demand.hpp"
#include "hetsched/detail/task.hpp"

namespace hetsched::detail {

class Policy;

class ResourceLedger {
 public:
  /// Totals in units: CPUs, the number of GPUs (each of capacity 1), custom resources by name.
  ResourceLedger(std::int64_t cpu_units, int gpu_count, const std::map<std::string, std::int64_t>& custom_units);

  /// Throws ResourceError naming the resource when the totals can never satisfy `demand`.
  void check_feasible(const ResourceDemand& demand) const;
  /// Takes the task's demand if it fits now (placing its GPUs with `policy`); records the placement in the task.
  bool try_acquire(Task& task, const Policy& policy);
  /// Returns what the task took.
  void release(Task& task);
  /// A task blocked in get gives back its CPUs...
  void lend_cpus(const Task& task);
  /// ...and takes them back when it wakes, even if that briefly oversubscribes (Ray does the same).
  void reclaim_cpus(const Task& task);

  /// Totals by name ("CPU", "GPU", custom).
  std::map<std::string, double> totals() const;
  /// Free amounts by name; oversubscription shows as 0.
  std::map<std::string, double> available() const;

 private:
  struct Custom {
    std::string name;
    std::int64_t total;
    std::int64_t free;
  };
  Custom* find_custom(const std::string& name);
  const Custom* find_custom(const std::string& name) const;

  std::int64_t cpu_total_;
  std::int64_t cpu_free_;
  std::vector<std::int64_t> gpu_free_;
  std::vector<Custom> custom_;  // sorted by name
};

}  // namespace hetsched::detail
