// A task graph to replay: buffers (sizes), tasks (a kind, a size in flops or explicit per-device times, a priority,
// the buffers each reads and writes) and the dependencies between them, stored flat for fast replays.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hetsched::bench {

/// How a task uses a buffer; the store's rules follow from it (a write leaves the writer's node the only valid copy).
enum class Access : std::uint8_t { read, write, read_write };

/// One buffer a task declares.
struct BufferUse {
  std::uint32_t buffer = 0;     ///< Index into TaskGraph::buffer_bytes.
  Access access = Access::read;  ///< How the task uses it.
};

/// One task of the graph.
struct GraphTask {
  std::uint32_t kind = 0;   ///< Index into TaskGraph::kind_names.
  int priority = 0;         ///< Higher runs first (TaskBuilder::priority).
  double flops = 0;         ///< Its size, scaling the machine's timing of its kind (0: the timing as is).
  double cpu_s = -1;        ///< Explicit time on one CPU, overriding the machine's (below 0: from the machine).
  double gpu_s = -1;        ///< Explicit time on one GPU, overriding the machine's (below 0: from the machine).
};

/// A whole graph; build it with GraphBuilder, which checks it and derives the dependencies.
struct TaskGraph {
  std::vector<std::string> kind_names;      ///< Task kinds ("potrf", "gemm", ...).
  std::vector<std::uint64_t> buffer_bytes;  ///< Size of each buffer; every buffer starts valid on the host only.
  std::vector<GraphTask> tasks;             ///< In submission order.
  std::vector<std::string> task_names;      ///< Optional names (empty, or one per task), for messages and tooltips.
  std::vector<std::uint32_t> use_offsets;   ///< Task t's uses are uses[use_offsets[t], use_offsets[t+1]).
  std::vector<BufferUse> uses;              ///< Every task's buffers.
  std::vector<std::uint32_t> successor_offsets;  ///< Task t's successors are successors[offsets[t], offsets[t+1]).
  std::vector<std::uint32_t> successors;         ///< Tasks that wait for each task.
  std::vector<std::uint32_t> predecessor_count;  ///< How many tasks each task waits for.
  std::size_t explicit_dependencies = 0;         ///< Dependencies given by GraphBuilder::depend, not by buffers.

  /// Number of tasks.
  std::size_t size() const noexcept { return tasks.size(); }
  /// Task t's name: its given name, or "KIND#t".
  std::string task_name(std::uint32_t t) const;
};

}  // namespace hetsched::bench
