#include "graph_builder.hpp"

#include <algorithm>

#include "hetsched/error.hpp"

namespace hetsched::bench {

std::string TaskGraph::task_name(std::uint32_t t) const {
  if (t < task_names.size() && !task_names[t].empty()) return task_names[t];
  return kind_names[tasks[t].kind] + "#" + std::to_string(t);
}

std::uint32_t GraphBuilder::kind(std::string_view name) {
  auto& kinds = graph_.kind_names;
  auto found = std::find(kinds.begin(), kinds.end(), name);
  if (found != kinds.end()) return static_cast<std::uint32_t>(found - kinds.begin());
  kinds.emplace_back(name);
  return static_cast<std::uint32_t>(kinds.size() - 1);
}

std::uint32_t GraphBuilder::buffer(std::uint64_t bytes) {
  graph_.buffer_bytes.push_back(bytes);
  return static_cast<std::uint32_t>(graph_.buffer_bytes.size() - 1);
}

std::uint32_t GraphBuilder::task(const GraphTask& task, std::initializer_list<BufferUse> uses) {
  return this->task(task, std::vector<BufferUse>(uses));
}

std::uint32_t GraphBuilder::task(const GraphTask& task, const std::vector<BufferUse>& uses) {
  if (graph_.use_offsets.empty()) graph_.use_offsets.push_back(0);
  graph_.tasks.push_back(task);
  graph_.uses.insert(graph_.uses.end(), uses.begin(), uses.end());
  graph_.use_offsets.push_back(static_cast<std::uint32_t>(graph_.uses.size()));
  return static_cast<std::uint32_t>(graph_.tasks.size() - 1);
}

void GraphBuilder::name(std::uint32_t t, std::string name) {
  if (names_.size() <= t) names_.resize(t + 1);
  names_[t] = std::move(name);
}

void GraphBuilder::depend(std::uint32_t before, std::uint32_t after) { edges_.emplace_back(before, after); }

namespace {

/// A task on a cycle among the tasks Kahn's algorithm could not order (`pending` > 0).
std::uint32_t task_on_cycle(const TaskGraph& graph, const std::vector<std::uint32_t>& pending) {
  // Walk backwards along unfinished predecessors: in a finite graph the walk repeats a task, which is on a cycle.
  std::vector<std::vector<std::uint32_t>> predecessors(graph.size());
  for (std::uint32_t t = 0; t < graph.size(); ++t) {
    for (std::uint32_t i = graph.successor_offsets[t]; i < graph.successor_offsets[t + 1]; ++i) {
      if (pending[t] > 0) predecessors[graph.successors[i]].push_back(t);
    }
  }
  std::uint32_t at = static_cast<std::uint32_t>(std::find_if(pending.begin(), pending.end(),
                                                             [](std::uint32_t p) { return p > 0; }) -
                                                pending.begin());
  std::vector<bool> seen(graph.size());
  while (!seen[at]) {
    seen[at] = true;
    at = predecessors[at].front();
  }
  return at;
}

}  // namespace

TaskGraph GraphBuilder::build() && {
  TaskGraph& graph = graph_;
  const auto n = static_cast<std::uint32_t>(graph.tasks.size());
  graph.explicit_dependencies = edges_.size();  // before the buffers' own are added
  if (graph.use_offsets.empty()) graph.use_offsets.push_back(0);
  // Implicit dependencies, per buffer: its last writer and the readers since.
  std::vector<std::int64_t> last_writer(graph.buffer_bytes.size(), -1);
  std::vector<std::vector<std::uint32_t>> readers_since(graph.buffer_bytes.size());
  for (std::uint32_t t = 0; t < n; ++t) {
    for (std::uint32_t i = graph.use_offsets[t]; i < graph.use_offsets[t + 1]; ++i) {
      const BufferUse& use = graph.uses[i];
      if (use.buffer >= graph.buffer_bytes.size()) {
        throw UsageError("task '" + graph.task_name(t) + "' uses buffer " + std::to_string(use.buffer) +
                         ", which does not exist; declare the buffer first");
      }
      std::int64_t writer = last_writer[use.buffer];
      if (writer >= 0 && writer != t) edges_.emplace_back(static_cast<std::uint32_t>(writer), t);
      if (use.access == Access::read) {
        readers_since[use.buffer].push_back(t);
      } else {
        for (std::uint32_t reader : readers_since[use.buffer]) {
          if (reader != t) edges_.emplace_back(reader, t);
        }
        readers_since[use.buffer].clear();
        last_writer[use.buffer] = t;
      }
    }
  }
  std::sort(edges_.begin(), edges_.end());
  edges_.erase(std::unique(edges_.begin(), edges_.end()), edges_.end());
  graph.successor_offsets.assign(n + 1, 0);
  graph.predecessor_count.assign(n, 0);
  for (auto [before, after] : edges_) {
    if (before >= n || after >= n) {
      throw UsageError("a dependency names task " + std::to_string(std::max(before, after)) + " of " +
                       std::to_string(n) + "; dependencies must name existing tasks");
    }
    ++graph.successor_offsets[before + 1];
    ++graph.predecessor_count[after];
  }
  for (std::uint32_t t = 0; t < n; ++t) graph.successor_offsets[t + 1] += graph.successor_offsets[t];
  graph.successors.resize(edges_.size());
  for (std::size_t i = 0; i < edges_.size(); ++i) graph.successors[i] = edges_[i].second;  // edges are sorted by before
  names_.resize(names_.empty() ? 0 : n);
  graph.task_names = std::move(names_);
  // Kahn's algorithm: every task must be reachable in order, or the graph has a cycle.
  std::vector<std::uint32_t> pending = graph.predecessor_count;
  std::vector<std::uint32_t> ready;
  for (std::uint32_t t = 0; t < n; ++t) {
    if (pending[t] == 0) ready.push_back(t);
  }
  std::size_t ordered = 0;
  while (!ready.empty()) {
    std::uint32_t t = ready.back();
    ready.pop_back();
    ++ordered;
    for (std::uint32_t i = graph.successor_offsets[t]; i < graph.successor_offsets[t + 1]; ++i) {
      if (--pending[graph.successors[i]] == 0) ready.push_back(graph.successors[i]);
    }
  }
  if (ordered != n) {
    throw UsageError("the task graph has a cycle through task '" + graph.task_name(task_on_cycle(graph, pending)) +
                     "'; remove one of the dependencies on that cycle");
  }
  return std::move(graph_);
}

}  // namespace hetsched::bench
