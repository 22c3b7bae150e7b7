// The task graphs of the four programs in shared/seeds/ (the performance tips of a Ray introduction, twinned in
// examples/), each as the tip advises writing it. The seeds run on ray.init(num_cpus = 4) with no GPU, so their
// tasks have a CPU body only, except no_work of the third tip: it gets a GPU body too, so that a machine with GPUs
// shows what putting the large object once is for (each GPU copies it at most once).
#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "graph_builder.hpp"
#include "hetsched/error.hpp"
#include "workloads/workloads.hpp"

namespace hetsched::bench {
namespace {

/// `options.tasks`, or `fallback` when it is not given; at most `most`.
std::uint64_t count_or(const WorkloadOptions& options, std::uint64_t fallback, std::uint64_t most, const char* name) {
  const std::uint64_t count = options.tasks > 0 ? options.tasks : fallback;
  if (count > most) {
    throw UsageError(std::string(name) + " takes at most " + std::to_string(most) + " for --tasks (got " +
                     std::to_string(count) + ")");
  }
  return count;
}

}  // namespace

TaskGraph seed_delay_get_workload(const WorkloadOptions& options) {
  // Tip 1: submit every do_some_work (1 s each), then one get for all; nothing joins them but the driver's get.
  const std::uint64_t tasks = count_or(options, 4, 10'000'000, "seed-delay-get");
  GraphBuilder graph;
  const std::uint32_t work = graph.kind("do_some_work");
  for (std::uint64_t t = 0; t < tasks; ++t) graph.task({work, 0, 0, 1.0, -1}, {});
  return std::move(graph).build();
}

TaskGraph seed_tiny_tasks_workload(const WorkloadOptions& options) {
  // Tip 2: `tasks` calls of tiny_work (0.1 ms each), `batch` of them per task (the seed's mega_work runs 1000).
  const std::uint64_t calls = count_or(options, 100'000, 100'000'000, "seed-tiny-tasks");
  if (options.batch < 1) throw UsageError("seed-tiny-tasks needs --batch >= 1 (tiny_work calls per task)");
  constexpr double tiny_work_s = 1e-4;
  GraphBuilder graph;
  const std::uint32_t kind = graph.kind(options.batch == 1 ? "tiny_work" : "mega_work");
  for (std::uint64_t first = 0; first < calls; first += static_cast<std::uint64_t>(options.batch)) {
    const std::uint64_t in_task = std::min<std::uint64_t>(static_cast<std::uint64_t>(options.batch), calls - first);
    graph.task({kind, 0, 0, tiny_work_s * static_cast<double>(in_task), -1}, {});
  }
  return std::move(graph).build();
}

TaskGraph seed_large_object_workload(const WorkloadOptions& options) {
  // Tip 3: np.zeros((5000, 5000)) put once (200 MB of doubles), then `tasks` no_work tasks reading it. no_work
  // returns at once; 1 ms stands for its call on either body.
  const std::uint64_t tasks = count_or(options, 10, 10'000'000, "seed-large-object");
  GraphBuilder graph;
  const std::uint32_t no_work = graph.kind("no_work");
  const std::uint32_t matrix = graph.buffer(5000ULL * 5000ULL * sizeof(double));
  for (std::uint64_t t = 0; t < tasks; ++t) graph.task({no_work, 0, 0, 1e-3, 1e-3}, {{matrix, Access::read}});
  return std::move(graph).build();
}

TaskGraph seed_pipeline_workload(const WorkloadOptions& options) {
  // Tip 4: `tasks` do_some_work tasks sleeping uniform(0, 4) s (drawn from --seed), and the driver's
  // process_incremental (1 s) on each result as ray.wait hands it over: in finishing order, each after the previous
  // one, adding into the running sum.
  const std::uint64_t tasks = count_or(options, 4, 1'000'000, "seed-pipeline");
  std::mt19937_64 random(options.seed);
  std::uniform_real_distribution<double> sleep_s(0.0, 4.0);
  GraphBuilder graph;
  const std::uint32_t work = graph.kind("do_some_work");
  const std::uint32_t process = graph.kind("process_incremental");
  std::vector<double> sleeps(tasks);
  std::vector<std::uint32_t> results(tasks);
  for (std::uint64_t t = 0; t < tasks; ++t) {
    sleeps[t] = sleep_s(random);
    results[t] = graph.buffer(sizeof(std::int64_t));
    graph.task({work, 0, 0, sleeps[t], -1}, {{results[t], Access::write}});
  }
  std::vector<std::uint64_t> finishing(tasks);
  std::iota(finishing.begin(), finishing.end(), 0);
  std::stable_sort(finishing.begin(), finishing.end(), [&](auto a, auto b) { return sleeps[a] < sleeps[b]; });
  const std::uint32_t sum = graph.buffer(sizeof(std::int64_t));
  for (std::uint64_t t : finishing) {
    graph.task({process, 0, 0, 1.0, -1}, {{results[t], Access::read}, {sum, Access::read_write}});
  }
  return std::move(graph).build();
}

}  // namespace hetsched::bench
