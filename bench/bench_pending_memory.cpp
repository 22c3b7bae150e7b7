// Workload: memory held by pending tasks. hetsched submits 1M tasks that all take one unready ref: a gate task that
// blocks on an atomic flag until the benchmark opens it, so none of the 1M can start while memory is read. The figure
// is the growth of the resident set (/proc/self/statm) across the submissions, per pending task (counter
// rss_bytes_per_task); heap_bytes_per_task is the same growth as glibc's allocator counts it (mallinfo2: bytes in
// use, not pages), which does not depend on which pages happen to be touched. The vector the refs land in is filled
// with empty refs before the first reading, so its 8 bytes per ref are not counted.
// Baseline in this binary: a oneTBB flow graph of 1M continue_nodes, each a successor of one broadcast_node that has
// not fired (the flow graph's form of "waiting on one input"); counter vs_flow_graph divides the RSS figures.
// Freed memory is handed back to the system (malloc_trim) before each reading, so the baseline's pages, freed but
// kept by the allocator, cannot make hetsched's growth look smaller.
// Target: rss_bytes_per_task < 256. One iteration each (a memory figure, not a time).
// HETSCHED_BENCH_QUICK=1 uses 20k pending tasks.

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <deque>
#include <optional>
#include <vector>

#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <benchmark/benchmark.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/info.h>

#include <hetsched/hetsched.hpp>

#include "bench_support.hpp"

namespace {

using hetsched_bench::Baselines;

std::size_t pending_count() { return hetsched_bench::pick_size<std::size_t>(1'000'000, 20'000); }

/// Resident bytes of this process now, or nothing where /proc/self/statm cannot be read.
std::optional<double> resident_bytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (!statm) return std::nullopt;
  unsigned long size_pages = 0;
  unsigned long resident_pages = 0;
  const int read = std::fscanf(statm, "%lu %lu", &size_pages, &resident_pages);
  std::fclose(statm);
  if (read != 2) return std::nullopt;
  return static_cast<double>(resident_pages) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

/// A reading of both memory figures, taken after freed memory went back to the system.
struct MemoryReading {
  std::optional<double> resident;
  double heap_in_use = 0;

  static MemoryReading now() {
    MemoryReading reading;
#if defined(__GLIBC__)
    malloc_trim(0);
    const struct mallinfo2 info = mallinfo2();
    reading.heap_in_use = static_cast<double>(info.uordblks + info.hblkhd);
#endif
    reading.resident = resident_bytes();
    return reading;
  }
};

/// Sets rss_bytes_per_task and heap_bytes_per_task from two readings around `count` pending tasks; returns the RSS
/// figure, or nothing (and marks the run as an error) when RSS could not be read.
std::optional<double> report_growth(benchmark::State& state, const MemoryReading& before,
                                    const MemoryReading& after, std::size_t count) {
  if (!before.resident || !after.resident) {
    state.SkipWithError("cannot read /proc/self/statm: the resident set size is unknown");
    return std::nullopt;
  }
  const auto tasks = static_cast<double>(count);
  const double rss_per_task = (*after.resident - *before.resident) / tasks;
  state.counters["rss_bytes_per_task"] = rss_per_task;
#if defined(__GLIBC__)
  state.counters["heap_bytes_per_task"] = (after.heap_in_use - before.heap_in_use) / tasks;
#endif
  state.counters["pending_tasks"] = tasks;
  return rss_per_task;
}

void pending_tbb_flow_graph(benchmark::State& state) {
  using tbb::flow::continue_msg;
  const std::size_t count = pending_count();
  std::atomic<std::size_t> ran{0};
  std::optional<double> rss_per_task;
  for (auto _ : state) {
    tbb::flow::graph graph;
    tbb::flow::broadcast_node<continue_msg> gate(graph);
    std::deque<tbb::flow::continue_node<continue_msg>> nodes;
    const MemoryReading before = MemoryReading::now();
    for (std::size_t i = 0; i < count; ++i) {
      nodes.emplace_back(graph, [&ran](const continue_msg&) { ran.fetch_add(1, std::memory_order_relaxed); });
      tbb::flow::make_edge(gate, nodes.back());
    }
    const MemoryReading after = MemoryReading::now();
    rss_per_task = report_growth(state, before, after, count);
    gate.try_put(continue_msg());
    graph.wait_for_all();
  }
  if (ran.load() != count * static_cast<std::size_t>(state.iterations())) {
    state.SkipWithError("the flow graph did not run every pending node");
  }
  if (rss_per_task) Baselines::record("tbb_flow_graph_rss", *rss_per_task);
}

void pending_hetsched(benchmark::State& state) {
  const std::size_t count = pending_count();
  hetsched::Runtime runtime{hetsched_bench::config_with_cpus(tbb::info::default_concurrency())};
  auto pass_on = runtime.task([](int x) { return x; });
  std::optional<double> rss_per_task;
  long sum = 0;
  for (auto _ : state) {
    std::atomic<bool> gate_open{false};
    std::atomic<bool> gate_started{false};
    const hetsched::ObjectRef<int> gate = runtime.task([&] {
      gate_started.store(true);
      gate_started.notify_one();
      gate_open.wait(false);
      return 1;
    }).remote();
    gate_started.wait(false);  // a worker holds the gate: the executor's threads exist before the first reading
    std::vector<hetsched::ObjectRef<int>> refs(count);  // touched now, so not part of the growth
    const MemoryReading before = MemoryReading::now();
    for (auto& ref : refs) ref = pass_on.remote(gate);
    const MemoryReading after = MemoryReading::now();
    rss_per_task = report_growth(state, before, after, count);
    gate_open.store(true);
    gate_open.notify_one();
    const std::vector<int> values = runtime.get(refs);
    for (int value : values) sum += value;
  }
  if (sum != static_cast<long>(count) * state.iterations()) state.SkipWithError("not every pending task ran");
  if (rss_per_task) hetsched_bench::report_ratio(state, "vs_flow_graph", "tbb_flow_graph_rss", *rss_per_task);
}

}  // namespace

// One iteration each: the figure is memory, not time. The baseline runs first: hetsched divides by its figure.
BENCHMARK(pending_tbb_flow_graph)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(pending_hetsched)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
