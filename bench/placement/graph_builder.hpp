// Builds a TaskGraph: dependencies come from buffer uses in submission order (StarPU's sequential consistency: a
// reader waits for the last writer, a writer for the last writer and every reader since), plus explicit ones.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "task_graph.hpp"

namespace hetsched::bench {

/// Accumulates kinds, buffers and tasks, then checks the graph and derives its dependencies.
class GraphBuilder {
 public:
  /// The index of kind `name`, adding it the first time.
  std::uint32_t kind(std::string_view name);
  /// A new buffer of `bytes`, valid on the host.
  std::uint32_t buffer(std::uint64_t bytes);
  /// Appends a task; its dependencies on earlier tasks follow from `uses`. Returns its index.
  std::uint32_t task(const GraphTask& task, std::initializer_list<BufferUse> uses);
  /// Appends a task with uses given as a vector.
  std::uint32_t task(const GraphTask& task, const std::vector<BufferUse>& uses);
  /// Names task `t` (for messages and tooltips).
  void name(std::uint32_t t, std::string name);
  /// Makes `after` wait for `before`, whatever their order (a cycle is reported by build()).
  void depend(std::uint32_t before, std::uint32_t after);
  /// The finished graph. Throws UsageError naming a task on a cycle.
  TaskGraph build() &&;

 private:
  TaskGraph graph_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges_;  // (before, after)
  std::vector<std::string> names_;
};

}  // namespace hetsched::bench
