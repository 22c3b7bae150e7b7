// Random layered DAGs: layers of about `width` tasks (uniform in [1, 2 width - 1]), each task reading one to `fan_in`
// outputs of the layer above and writing one buffer. Four kinds that gain 2x, 8x and 30x on a GPU, and one with no GPU
// body; run times and buffer sizes are log-normal. The same seed gives the same graph.
#include <algorithm>
#include <cmath>
#include <random>

#include "graph_builder.hpp"
#include "hetsched/error.hpp"
#include "workloads/workloads.hpp"

namespace hetsched::bench {

TaskGraph random_workload(const WorkloadOptions& options) {
  if (options.width < 1 || options.depth < 1 || options.fan_in < 0) {
    throw UsageError("random needs --width >= 1, --depth >= 1 and --fan-in >= 0 (got " + std::to_string(options.width) +
                     ", " + std::to_string(options.depth) + ", " + std::to_string(options.fan_in) + ")");
  }
  std::mt19937_64 random(options.seed);
  std::uniform_int_distribution<int> layer_size(1, 2 * options.width - 1);
  std::uniform_int_distribution<int> inputs(1, std::max(1, options.fan_in));
  std::lognormal_distribution<double> run_scale(0.0, 0.5);
  std::lognormal_distribution<double> megabytes(std::log(4.0), 0.7);
  struct Kind {
    const char* name;
    double cpu_s;     // median seconds on one core
    double speedup;   // GPU over one core; 0: no GPU body
  };
  const Kind kinds[] = {{"stencil", 0.004, 2}, {"fft", 0.010, 8}, {"dense", 0.020, 30}, {"parse", 0.002, 0}};
  GraphBuilder graph;
  std::uint32_t kind_ids[4];
  for (int k = 0; k < 4; ++k) kind_ids[k] = graph.kind(kinds[k].name);
  const std::uint64_t total = options.tasks > 0 ? options.tasks : UINT64_MAX;
  std::vector<std::uint32_t> above;
  std::vector<std::uint32_t> layer;
  std::vector<BufferUse> uses;
  std::uint64_t made = 0;
  for (int depth = 0; made < total && (options.tasks > 0 || depth < options.depth); ++depth) {
    layer.clear();
    const int size = static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(layer_size(random)), total - made));
    for (int i = 0; i < size; ++i) {
      uses.clear();
      if (!above.empty() && options.fan_in > 0) {
        const int count = inputs(random);
        for (int j = 0; j < count; ++j) {
          const std::uint32_t b = above[std::uniform_int_distribution<std::size_t>(0, above.size() - 1)(random)];
          if (std::none_of(uses.begin(), uses.end(), [&](const BufferUse& u) { return u.buffer == b; })) {
            uses.push_back({b, Access::read});
          }
        }
      }
      const std::uint32_t out = graph.buffer(static_cast<std::uint64_t>(megabytes(random) * 1e6));
      uses.push_back({out, Access::write});
      layer.push_back(out);
      const int k = static_cast<int>(random() % 4);
      const double cpu = kinds[k].cpu_s * run_scale(random);
      const double gpu = kinds[k].speedup > 0 ? cpu / kinds[k].speedup : -1;
      graph.task({kind_ids[k], 0, 0, cpu, gpu}, uses);
      ++made;
    }
    above.swap(layer);
  }
  return std::move(graph).build();
}

}  // namespace hetsched::bench
