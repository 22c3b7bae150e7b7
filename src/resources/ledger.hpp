// The ledger of totals and free amounts: CPUs, per-GPU instances and custom resources. The free CPU count is atomic,
// so CPU-only demands are taken and returned from any thread without a lock; everything else (GPUs, custom
// resources, and whole demands that include them) is changed only under the scheduler's lock. The ledger deals in
// values (a demand, the devices a policy chose): what a task holds is the scheduler's bookkeeping, not the ledger's.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "hetsched/detail/resource_demand.hpp"
#include "resources/placement_snapshot.hpp"

namespace hetsched::detail {

class ResourceLedger {
 public:
  /// Totals in units: CPUs, the number of GPUs (each of capacity 1), custom resources by name.
  /// `gpu_memory[d]` is device d's memory for gpu_memory() demands (empty: unlimited on every device).
  ResourceLedger(std::int64_t cpu_units, int gpu_count, const std::map<std::string, std::int64_t>& custom_units,
                 std::vector<std::uint64_t> gpu_memory = {});
  /// Moves a ledger that nobody else uses yet.
  ResourceLedger(ResourceLedger&& other) noexcept;

  /// True for a demand of CPUs alone, which never needs the lock.
  static bool cpu_only(const ResourceDemand& demand) noexcept { return demand.gpu == 0 && demand.custom.empty(); }
  /// Takes `units` CPUs if that many are free now (any thread). The first read is seq_cst too: a queueing thread
  /// must see CPUs given back before its own queued count rose (the Dekker pairing described in Scheduler).
  bool try_take_cpus(std::int64_t units) noexcept {
    for (auto free = cpu_free_.load(std::memory_order_seq_cst); free >= units;) {
      if (cpu_free_.compare_exchange_weak(free, free - units, std::memory_order_seq_cst)) return true;
    }
    return false;
  }
  /// Gives `units` CPUs back (any thread). seq_cst: pairs with the scheduler's queued count (see Scheduler).
  void give_cpus(std::int64_t units) noexcept { cpu_free_.fetch_add(units, std::memory_order_seq_cst); }

  /// Throws ResourceError naming the resource when the totals can never satisfy `demand`.
  void check_feasible(const ResourceDemand& demand) const;
  /// What each GPU has free, for a policy's snapshot. Under the scheduler's lock.
  std::span<const GpuView> gpus() const noexcept { return gpus_; }
  /// CPUs free now (below 0 while a blocked task's reclaimed CPUs oversubscribe them).
  std::int64_t free_cpu_units() const noexcept { return cpu_free_.load(std::memory_order_relaxed); }
  /// CPUs of the machine, in units.
  std::int64_t total_cpu_units() const noexcept { return cpu_total_; }
  /// True when the custom resources `demand` asks for are free now. Under the scheduler's lock.
  bool custom_fits(const ResourceDemand& demand) const;
  /// Applies a placement: takes `demand`, its GPU share on each of `devices` (a policy's choice, which must fit), if
  /// its CPUs and custom resources are free now; false (nothing taken) otherwise. Under the scheduler's lock.
  bool try_acquire(const ResourceDemand& demand, std::span<const int> devices);
  /// Returns what try_acquire took, without the CPUs when `cpus_too` is false (they went back early with
  /// give_cpus). Under the scheduler's lock, except for a CPU-only demand.
  void release(const ResourceDemand& demand, std::span<const int> devices, bool cpus_too);
  /// Takes `units` CPUs back even when that oversubscribes them (a blocked task waking up, as Ray does). Any thread.
  void reclaim_cpus(std::int64_t units) noexcept { cpu_free_.fetch_sub(units, std::memory_order_seq_cst); }
  /// The GPU units a demand takes on each of its devices.
  static std::int64_t units_per_device(const ResourceDemand& demand) noexcept {
    return std::min(demand.gpu, units_per_resource);
  }

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
  std::atomic<std::int64_t> cpu_free_;  // may go below 0 while a blocked task's CPUs are reclaimed
  std::vector<GpuView> gpus_;
  std::vector<Custom> custom_;  // sorted by name
};

}  // namespace hetsched::detail
