// Workload: a dependent chain. hetsched submits 20k tasks, each taking the previous task's ref as its argument
// (`last = increment.remote(std::move(last))`), then gets the last one; every task waits for the one before it, so
// the chain measures the hand-off from one finished task to the next (publish, wake the waiting task, schedule it,
// run it), not throughput.
// Baselines, taken in turns with hetsched inside every iteration (hetsched_bench::Contenders):
//  - continue_nodes: a oneTBB flow graph of 20k chained continue_nodes, each adding one to a shared counter;
//  - function_nodes: a chain of 20k function_node<int, int> that passes the value along, as hetsched does.
// Fair timing: each run builds its graph (nodes and edges), runs it and destroys it, as hetsched's run submits (which
// builds its graph), waits and drops its refs. continue_nodes_run_only_ns_per_task is the flow graph's running alone,
// for readers who build graphs once and run them many times (vs_flow_graph_run_only: the ratio of the medians).
// Counters: <contender>_ns_per_task (medians), and vs_flow_graph / vs_function_nodes, the medians of hetsched's time
// divided by the baseline's in the same iteration. Target: vs_flow_graph <= 1.5.
// HETSCHED_BENCH_QUICK=1 runs a chain of 2000.

#include <chrono>
#include <cstddef>
#include <deque>
#include <vector>

#include <benchmark/benchmark.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/info.h>

#include <hetsched/hetsched.hpp>

#include "bench_support.hpp"

namespace {

using Clock = std::chrono::steady_clock;

std::size_t chain_length() { return hetsched_bench::pick_size<std::size_t>(20'000, 2'000); }

/// Builds, runs and destroys a chain of `count` continue_nodes; returns the seconds the run alone took.
double run_continue_node_chain(std::size_t count, bool& correct) {
  using tbb::flow::continue_msg;
  std::size_t value = 0;
  tbb::flow::graph graph;
  std::deque<tbb::flow::continue_node<continue_msg>> nodes;  // a deque never moves its nodes, which edges point at
  for (std::size_t i = 0; i < count; ++i) {
    nodes.emplace_back(graph, [&value](const continue_msg&) { ++value; });  // ordered by the edges
    if (i > 0) tbb::flow::make_edge(nodes[i - 1], nodes[i]);
  }
  const auto built = Clock::now();
  nodes.front().try_put(continue_msg());
  graph.wait_for_all();
  const double run_seconds = std::chrono::duration<double>(Clock::now() - built).count();
  correct = correct && value == count;
  return run_seconds;
}

/// Builds, runs and destroys a chain of `count` function_nodes passing an int along.
void run_function_node_chain(std::size_t count, bool& correct) {
  int last = 0;
  tbb::flow::graph graph;
  std::deque<tbb::flow::function_node<int, int>> nodes;
  for (std::size_t i = 0; i + 1 < count; ++i) {
    nodes.emplace_back(graph, tbb::flow::unlimited, [](int x) { return x + 1; });
    if (i > 0) tbb::flow::make_edge(nodes[i - 1], nodes[i]);
  }
  nodes.emplace_back(graph, tbb::flow::unlimited, [&last](int x) { return last = x + 1; });
  if (count > 1) tbb::flow::make_edge(nodes[count - 2], nodes[count - 1]);
  nodes.front().try_put(0);
  graph.wait_for_all();
  correct = correct && static_cast<std::size_t>(last) == count;
}

void dependent_chain(benchmark::State& state) {
  const std::size_t count = chain_length();
  hetsched::Runtime runtime{hetsched_bench::config_with_cpus(tbb::info::default_concurrency())};
  auto increment = runtime.task([](int x) { return x + 1; });
  bool correct = true;
  std::vector<double> continue_run_seconds;

  hetsched_bench::Contenders contenders;
  contenders.add("continue_nodes", [&] { continue_run_seconds.push_back(run_continue_node_chain(count, correct)); });
  contenders.add("function_nodes", [&] { run_function_node_chain(count, correct); });
  contenders.add("hetsched", [&] {
    hetsched::ObjectRef<int> last = increment.remote(0);
    for (std::size_t i = 1; i < count; ++i) last = increment.remote(std::move(last));
    const int value = runtime.get(std::move(last));  // the only ref: every object is freed inside the run
    correct = correct && static_cast<std::size_t>(value) == count;
  });
  contenders.run(state);

  if (!correct) state.SkipWithError("a chain computed a wrong value");
  contenders.report_per_task(state, count);
  contenders.report_ratio(state, "vs_flow_graph", "hetsched", "continue_nodes");
  contenders.report_ratio(state, "vs_function_nodes", "hetsched", "function_nodes");
  if (!continue_run_seconds.empty()) {
    const double run_only = hetsched_bench::quantile(continue_run_seconds, 0.5);
    state.counters["continue_nodes_run_only_ns_per_task"] = run_only / static_cast<double>(count) * 1e9;
    if (auto hetsched_seconds = contenders.median_seconds("hetsched"); hetsched_seconds && run_only > 0.0) {
      state.counters["vs_flow_graph_run_only"] = *hetsched_seconds / run_only;
    }
  }
}

}  // namespace

// The Time column is one iteration: one run of every contender.
BENCHMARK(dependent_chain)->Unit(benchmark::kMillisecond)->UseRealTime();
