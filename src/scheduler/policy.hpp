// Placement policies: pure functions from a snapshot (the task's demand and inputs, what each device has free) to a
// decision value (place / wait / infeasible, Ray's SchedulingResult). They never touch the ledger or the task: the
// scheduler builds the snapshot under its lock, asks the task's policy, and applies a placement to the ledger. So
// the simulator can drive the very same code. Each policy lives in its own file under policy/; the factory in
// policy/factory.cpp is the only place that knows them all.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hetsched::detail {

/// Bit of `InputView::valid_nodes` for the host copy; GPU d is bit d + 1 (GPUs past 62 are never marked).
inline constexpr std::uint64_t host_node_bit = 1;

/// Bit of `InputView::valid_nodes` for GPU `device` (0 when the mask cannot hold it).
constexpr std::uint64_t gpu_node_bit(int device) noexcept {
  return device >= 0 && device < 63 ? std::uint64_t{1} << (device + 1) : 0;
}

/// One buffer the task declared: its size and the memory nodes that hold a valid replica of it now.
struct InputView {
  std::uint64_t bytes = 0;        ///< Size of the buffer.
  std::uint64_t valid_nodes = 0;  ///< host_node_bit | gpu_node_bit(d) for each node with a valid replica.
};

/// What one GPU has: free capacity now and its memory. (The `model` policy adds its predicted availability here.)
struct GpuView {
  std::int64_t free_units = 0;     ///< Free capacity in units (a whole device is units_per_resource).
  std::uint64_t free_memory = 0;   ///< Memory free for gpu_memory() demands.
  std::uint64_t total_memory = 0;  ///< Memory for gpu_memory() demands when nothing runs there.
};

/// What the task asks for and what it reads.
struct TaskView {
  std::int64_t gpu_units = 0;        ///< 0 < units < 1 GPU: one device; a whole number n: n distinct devices.
  std::uint64_t gpu_memory = 0;      ///< Bytes needed on each chosen device.
  std::uint64_t sequence = 0;        ///< Arrival order at the scheduler (tie-breaking and seeds).
  int priority = 0;                  ///< TaskBuilder::priority (higher first).
  std::span<const InputView> inputs; ///< Its declared buffers.
};

/// Everything a policy may look at for one decision.
struct Snapshot {
  TaskView task;                   ///< The task to place.
  std::span<const GpuView> gpus;   ///< Every GPU, by index.
  std::int64_t free_cpu_units = 0; ///< CPUs free now (may be below 0 while a blocked task reclaims its CPUs).
};

/// A policy's answer (Ray's SchedulingResult): run on these devices, wait until something is freed, or never.
struct Decision {
  enum class Kind : std::uint8_t { place, wait, infeasible };
  Kind kind = Kind::wait;  ///< Which answer.
  std::vector<int> gpus;   ///< For place: the chosen devices (empty for a task without GPUs).
  int variant = 0;         ///< For place: which of the task's bodies runs (0 for a task with one body).

  /// Run on `devices` with body `variant`.
  static Decision place(std::vector<int> devices, int variant = 0) {
    return {Kind::place, std::move(devices), variant};
  }
  /// Nothing fits now; ask again when resources are freed.
  static Decision wait() { return {Kind::wait, {}, 0}; }
  /// Nothing could ever fit, even on an idle machine.
  static Decision infeasible() { return {Kind::infeasible, {}, 0}; }
};

/// Chooses where a task runs. Implementations hold no mutable state: decide() is a pure function of the snapshot
/// (a seeded policy derives its randomness from the seed and the task's sequence), so it may be called from any
/// thread.
class Policy {
 public:
  virtual ~Policy() = default;
  /// Where the task in `snapshot` runs, or why it does not run now.
  virtual Decision decide(const Snapshot& snapshot) const = 0;
  /// The policy's name, as Config::placement_policy and TaskBuilder::policy spell it.
  virtual std::string_view name() const noexcept = 0;
};

/// Ray's best fit: a fractional demand goes to the device whose remaining capacity fits it most tightly.
std::unique_ptr<Policy> make_pack_policy();
/// Load spreading: a fractional demand goes to the device with the most remaining capacity; equal ones rotate with
/// the task's sequence, so an idle machine still spreads.
std::unique_ptr<Policy> make_spread_policy();
/// Data locality: the fitting device that already holds the most of the task's input bytes; ties by pack.
std::unique_ptr<Policy> make_locality_policy();
/// The seed of the policy named "random".
inline constexpr std::uint64_t default_random_seed = 42;
/// A uniformly random fitting device, drawn from `seed` and the task's sequence (deterministic for a seed). Named
/// "random" for the default seed, "random:SEED" for another.
std::unique_ptr<Policy> make_random_policy(std::uint64_t seed);

/// The policy named `name`: "pack", "spread", "locality", "random" (a fixed default seed) or "random:SEED" (a decimal
/// seed). Throws UsageError listing the known names for another name. Equal policies have equal name()s.
std::unique_ptr<Policy> make_policy(std::string_view name);

/// Shared by the policies. The devices a demand may use: for a whole demand those entirely free, for a fractional
/// one those with enough capacity left; both with enough free memory. Lowest index first.
std::vector<int> fitting_devices(const Snapshot& snapshot);
/// True when the demand could fit on an idle machine (enough devices whose capacity and memory could hold it).
bool could_ever_fit(const Snapshot& snapshot);
/// Shared by the policies: whole demands take the first `n` fitting devices (lowest index first); a fractional demand
/// takes the fitting device that `prefer(snapshot, candidate, best)` ranks first (ties: the earlier one). Wait when
/// none fits now, infeasible when none ever could.
Decision choose_devices(const Snapshot& snapshot, bool (*prefer)(const Snapshot&, int candidate, int best));

}  // namespace hetsched::detail
