// The ledger of totals and free amounts: CPUs, per-GPU instances and custom resources. The free CPU count is atomic,
// so CPU-only demands are taken and returned from any thread without a lock; everything else (GPUs, custom
// resources, and whole demands that include them) is changed only under the scheduler's lock.
#pragma once

#include <atomic>
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
  /// Takes the task's demand if it fits now (placing its GPUs with `policy`); records the placement in the task.
  /// Under the scheduler's lock.
  bool try_acquire(Task& task, const Policy& policy);
  /// Returns what the task took; for a CPU-only task any thread may call it, else under the scheduler's lock.
  void give_back(Task& task);
  /// A task whose body has returned while its GPU work runs on gives its CPUs back early; release() then returns
  /// the rest (its GPUs, GPU memory and custom resources). Any thread, like give_cpus. False when it had none to
  /// give (no CPUs held, or given back already).
  bool return_cpus(Task& task);
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
  std::atomic<std::int64_t> cpu_free_;  // may go below 0 while a blocked task's CPUs are reclaimed
  std::vector<std::int64_t> gpu_free_;
  std::vector<std::uint64_t> gpu_memory_total_;
  std::vector<std::uint64_t> gpu_memory_free_;
  std::vector<Custom> custom_;  // sorted by name
};

}  // namespace hetsched::detail
