// What a replay produced: where and when every task ran, every copy between memory nodes, and the totals the report
// prints.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace hetsched::bench {

/// Kinds of link a copy crosses; a copy between GPUs without a device-to-device link counts on both host links.
enum class LinkKind : std::uint8_t { h2d, d2h, d2d };

/// Where and when one task ran.
struct TaskRun {
  int gpu = -1;          ///< The GPU it ran on, -1 for a CPU body.
  int cpu_slot = -1;     ///< The CPU core it ran on, -1 for a GPU body.
  double placed_s = 0;   ///< When the policy placed it (its resources are held from then).
  double start_s = 0;    ///< When its inputs had arrived and it started.
  double end_s = 0;      ///< When it finished.
};

/// One copy of a buffer between memory nodes (-1: host, d >= 0: GPU d).
struct TransferRun {
  std::uint32_t buffer = 0;  ///< Which buffer.
  std::uint32_t task = 0;    ///< The task it was made for (for a write-back, the task whose fetch evicted it).
  int from_node = -1;        ///< Source node.
  int to_node = -1;          ///< Destination node.
  double start_s = 0;        ///< When the copy began on its link.
  double end_s = 0;          ///< When the replica became valid.
  std::uint64_t bytes = 0;   ///< Its size.
  bool write_back = false;   ///< True for the copy home of an evicted sole replica.
};

/// A whole replay.
struct Schedule {
  std::string policy;                        ///< The policy's name().
  double makespan_s = 0;                     ///< When the last task finished.
  std::vector<TaskRun> runs;                 ///< One per task, by task index.
  std::vector<TransferRun> transfers;        ///< Every copy, in the order they were issued.
  std::array<std::uint64_t, 3> bytes_moved{};  ///< Bytes per LinkKind.
  std::vector<double> cpu_busy_s;            ///< Seconds each CPU core ran tasks.
  std::vector<double> gpu_busy_s;            ///< Seconds each GPU ran tasks.
  double cpu_input_wait_s = 0;               ///< Seconds cores were held waiting for their tasks' inputs.
  double gpu_input_wait_s = 0;               ///< Seconds GPUs were held waiting for their tasks' inputs.
  std::uint64_t cpu_tasks = 0;               ///< Tasks that ran their CPU body.
  std::uint64_t gpu_tasks = 0;               ///< Tasks that ran their GPU body.
  std::uint64_t evictions = 0;               ///< Replicas evicted from GPU memory.
  std::uint64_t committed = 0;               ///< Tasks committed to a busy device (Decision::commit).
  std::uint64_t policy_calls = 0;            ///< Decisions asked of the policy.
  std::uint64_t task_events = 0;             ///< Placements plus completions processed (two per task).
  double wall_s = 0;                         ///< Seconds the replay took on this machine (wall clock).
  double cpu_s = 0;                          ///< CPU seconds the replay took (it runs on one thread).

  /// Bytes over every link.
  std::uint64_t total_bytes() const noexcept { return bytes_moved[0] + bytes_moved[1] + bytes_moved[2]; }
};

}  // namespace hetsched::bench
