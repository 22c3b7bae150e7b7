// What a placement policy sees and what it answers, as plain values: the task's bodies (each with its demand and the
// models' prediction of its run time), its inputs (with the memory nodes that hold a valid replica of each), what
// each device has free and when it is predicted to be idle, how fast the links are, and the decision (place / wait /
// infeasible).
// The vocabulary shared by the store (which marks valid replicas), the ledger (which reports free capacity and
// applies a placement) and the policies in scheduler/, kept below all three so that none reaches up to another.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "resources/bandwidths.hpp"

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

/// What one GPU has: free capacity now, its memory, and when the work placed on it is predicted to be done.
struct GpuView {
  std::int64_t free_units = 0;     ///< Free capacity in units (a whole device is units_per_resource).
  std::uint64_t free_memory = 0;   ///< Memory free for gpu_memory() demands.
  std::uint64_t total_memory = 0;  ///< Memory for gpu_memory() demands when nothing runs there.
  double available_in_s = 0;       ///< Predicted seconds until the work placed on it, and the work committed to it
                                   ///< that would run before this task (priority >= its own), is done (0: idle or
                                   ///< unknown).
  std::uint32_t committed = 0;     ///< Tasks committed to it (Decision::commit) that have not started yet.
};

/// How many tasks a scheduler that supports Decision::commit keeps committed to one GPU, and to the CPUs as a pool.
inline constexpr std::uint32_t default_commit_limit = 64;

/// One body of the task (a task has one, or a CPU and a GPU body: hetsched::variants): its demand and how long the
/// models predict it runs on these inputs.
struct VariantView {
  std::int64_t cpu_units = 0;      ///< CPUs it holds while it runs.
  std::int64_t gpu_units = 0;      ///< 0: a CPU body; 0 < units < 1 GPU: one device; a whole n: n distinct devices.
  std::uint64_t gpu_memory = 0;    ///< Bytes needed on each chosen device.
  double predicted_s = -1;         ///< Predicted run time on these inputs; below 0 when nothing is known.
  std::uint32_t samples = 0;       ///< Runs of this body the models have measured (all input sizes).

  /// True for a body that runs on GPUs.
  bool on_gpu() const noexcept { return gpu_units > 0; }
};

/// What the task asks for and what it reads.
struct TaskView {
  std::span<const VariantView> variants;  ///< Its bodies, in declaration order (at least one).
  std::uint64_t sequence = 0;             ///< Arrival order at the scheduler (tie-breaking and seeds).
  int priority = 0;                       ///< TaskBuilder::priority (higher first).
  std::uint32_t queued_behind = 0;        ///< Tasks of the same demand queued behind it (they go where it goes).
  std::span<const InputView> inputs;      ///< Its declared buffers.
};

/// Everything a policy may look at for one decision.
struct Snapshot {
  TaskView task;                      ///< The task to place.
  std::span<const GpuView> gpus;      ///< Every GPU, by index.
  std::int64_t free_cpu_units = 0;    ///< CPUs free now (may be below 0 while a blocked task reclaims its CPUs).
  std::int64_t total_cpu_units = 0;   ///< CPUs of the machine.
  double cpus_available_in_s = 0;     ///< Predicted seconds until a CPU is free for this task, after the tasks
                                      ///< committed to the CPUs that would run before it (0: free now, or unknown).
  std::uint32_t cpus_committed = 0;   ///< Tasks committed to the CPUs that have not started yet.
  std::uint32_t commit_limit = 0;     ///< Most tasks the scheduler keeps committed to one GPU or to the CPUs; 0: it
                                      ///< takes no Decision::commit.
  bool commit_prefetches = false;     ///< True when the inputs of a committed task start moving to its device at once
                                      ///< (they overlap the wait); false when they move when it starts.
  Bandwidths links;                   ///< How fast replicas move between memory nodes.
  std::uint32_t calibration_samples = 3;  ///< Runs a body needs before the models' prediction of it is trusted.
};

/// A policy's answer (Ray's SchedulingResult): run on these devices, run there next (commit), wait until something is
/// freed, or never.
struct Decision {
  enum class Kind : std::uint8_t { place, wait, infeasible, commit };
  Kind kind = Kind::wait;  ///< Which answer.
  std::vector<int> gpus;   ///< For place: the chosen devices (empty for a task without GPUs).
  int variant = 0;         ///< For place: which of the task's bodies runs (0 for a task with one body).

  /// Run on `devices` with body `variant`.
  static Decision place(std::vector<int> devices, int variant = 0) {
    return {Kind::place, std::move(devices), variant};
  }
  /// Run body `variant` on `device` (-1: the CPUs) as soon as it frees, before anything not yet committed there
  /// (StarPU's push to a worker's queue): the task leaves its class queue now, its inputs may start moving there, and
  /// its predicted run counts in that device's availability. Only when snapshot.commit_limit > 0 and fewer tasks than
  /// that are committed there.
  static Decision commit(int device, int variant = 0) {
    return {Kind::commit, device < 0 ? std::vector<int>{} : std::vector<int>{device}, variant};
  }
  /// Nothing fits now; ask again when resources are freed.
  static Decision wait() { return {Kind::wait, {}, 0}; }
  /// Nothing could ever fit, even on an idle machine.
  static Decision infeasible() { return {Kind::infeasible, {}, 0}; }
};

}  // namespace hetsched::detail
