// Map-reduce: `tasks` mappers (64 by default), each reading its own 64 MB chunk and writing 8 MB, then a binary tree
// of reducers, each combining two partial results into a new 8 MB one. Mapping gains 10x on a GPU, reducing 2x.
#include "graph_builder.hpp"
#include "hetsched/error.hpp"
#include "workloads/workloads.hpp"

namespace hetsched::bench {

TaskGraph map_reduce_workload(const WorkloadOptions& options) {
  const std::uint64_t mappers = options.tasks > 0 ? options.tasks : 64;
  if (mappers > 10'000'000) throw UsageError("mapreduce takes at most 10000000 mappers (--tasks)");
  GraphBuilder graph;
  const std::uint32_t map = graph.kind("map");
  const std::uint32_t reduce = graph.kind("reduce");
  std::vector<std::uint32_t> partials;
  for (std::uint64_t m = 0; m < mappers; ++m) {
    const std::uint32_t chunk = graph.buffer(64'000'000);
    const std::uint32_t out = graph.buffer(8'000'000);
    graph.task({map, 0, 0, 0.050, 0.005}, {{chunk, Access::read}, {out, Access::write}});
    partials.push_back(out);
  }
  while (partials.size() > 1) {
    std::vector<std::uint32_t> next;
    for (std::size_t i = 0; i + 1 < partials.size(); i += 2) {
      const std::uint32_t out = graph.buffer(8'000'000);
      graph.task({reduce, 1, 0, 0.005, 0.0025},
                 {{partials[i], Access::read}, {partials[i + 1], Access::read}, {out, Access::write}});
      next.push_back(out);
    }
    if (partials.size() % 2) next.push_back(partials.back());
    partials.swap(next);
  }
  return std::move(graph).build();
}

}  // namespace hetsched::bench
