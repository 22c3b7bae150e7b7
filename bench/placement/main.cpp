// hetsched-bench: `placement` replays a workload on a modelled machine with each of the runtime's placement
// policies, and prints the makespans against a lower bound (a table, or --json), optionally with an HTML Gantt
// picture and a Chrome trace of every schedule.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "gantt_html.hpp"
#include "hetsched/error.hpp"
#include "lower_bound.hpp"
#include "placement_run.hpp"
#include "progress_bar.hpp"
#include "report_json.hpp"
#include "report_table.hpp"
#include "schedule_trace.hpp"
#include "scheduler/policy.hpp"
#include "simulator.hpp"
#include "workloads/workloads.hpp"

namespace {

using namespace hetsched::bench;

/// The command line of `placement`.
struct PlacementArgs {
  std::string workload = "cholesky";
  std::string machine = "mirage";
  std::string policies = "pack,spread,locality,model,dmdas,random";
  WorkloadOptions options;
  bool seed_given = false;
  bool json = false;
  std::string html;
  std::string trace;
  std::uint32_t max_bypass = 64;
  bool class_per_kind = false;
  std::uint32_t commit_limit = hetsched::detail::default_commit_limit;
  std::uint32_t prefetch_depth = 0;
};

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> names;
  std::stringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    if (!name.empty()) names.push_back(name);
  }
  if (names.empty()) throw hetsched::UsageError("--policies is empty; name at least one, e.g. --policies model");
  return names;
}

std::string describe(const PlacementArgs& args, const hetsched::bench::TaskGraph& graph) {
  const WorkloadOptions& o = args.options;
  if (args.workload == "cholesky" || args.workload == "lu") {
    return args.workload + " " + std::to_string(o.tiles) + "x" + std::to_string(o.tiles) + " tiles of " +
           std::to_string(o.tile_size);
  }
  if (args.workload == "json") return "graph " + o.file;
  return args.workload + " (seed " + std::to_string(o.seed) + ", " + std::to_string(graph.buffer_bytes.size()) +
         " buffers)";
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  if (!(out << text)) throw hetsched::UsageError("cannot write '" + path + "'; check the directory exists");
}

int run_placement(const PlacementArgs& args) {
  PlacementRun run;
  run.machine = parse_machine(args.machine);
  run.graph = make_workload(args.workload, args.options);
  run.workload = describe(args, run.graph);
  run.times = resolve_task_times(run.graph, run.machine);
  run.bound = lower_bound(run.graph, run.times, run.machine);
  run.kernels = summarise_kernels(run.graph, run.times);
  std::vector<std::unique_ptr<hetsched::detail::Policy>> policies;
  for (std::string name : split_names(args.policies)) {
    if (name == "random" && args.seed_given) name = "random:" + std::to_string(args.options.seed);
    policies.push_back(hetsched::detail::make_policy(name));  // UsageError naming the known policies
  }
  for (const auto& policy : policies) {
    ProgressBar bar(std::string(policy->name()) + ": " + run.workload);
    ReplayOptions options;
    options.max_bypass = args.max_bypass;
    options.class_per_kind = args.class_per_kind;
    options.commit_limit = args.commit_limit;
    options.prefetch_depth = args.prefetch_depth;
    options.record_transfers = !args.html.empty() || !args.trace.empty();
    options.progress = [&](double done) { bar.update(done); };
    run.schedules.push_back(replay(run.graph, run.times, run.machine, *policy, options));
  }
  if (!args.html.empty()) write_file(args.html, gantt_html(run));
  if (!args.trace.empty()) schedule_trace(run).write(args.trace);
  if (args.json) {
    std::cout << report_json(run).dump(2) << "\n";
  } else {
    std::cout << format_table(run);
    if (!args.html.empty()) std::cout << "picture: " << args.html << " (open it in a browser)\n";
    if (!args.trace.empty()) std::cout << "trace: " << args.trace << " (open it in https://ui.perfetto.dev)\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hetsched-bench: benchmarks of hetsched that need no GPU"};
  app.require_subcommand(1);
  PlacementArgs args;
  CLI::App* placement = app.add_subcommand(
      "placement", "Replay a task graph on a modelled machine with the runtime's placement policies");
  placement->add_option("--workload", args.workload, "cholesky, lu, random, mapreduce or json")->capture_default_str();
  placement->add_option("--machine", args.machine,
                        "[FILE.json or mirage or h200x8,]key=value,...: cpus, gpus, gpu_mem, h2d, d2h, d2d, latency, cpu_gflops, "
                        "gpu_gflops (e.g. mirage,cpus=16,gpus=4)")
      ->capture_default_str();
  placement->add_option("--policies", args.policies, "comma-separated policy names")->capture_default_str();
  placement->add_option("--tiles", args.options.tiles, "cholesky, lu: tiles per side")->capture_default_str();
  placement->add_option("--tile-size", args.options.tile_size, "cholesky, lu: tile side")->capture_default_str();
  placement->add_option("--width", args.options.width, "random: mean tasks per layer")->capture_default_str();
  placement->add_option("--depth", args.options.depth, "random: layers")->capture_default_str();
  placement->add_option("--fan-in", args.options.fan_in, "random: most inputs per task")->capture_default_str();
  placement->add_option("--tasks", args.options.tasks, "random: total tasks (instead of --depth); mapreduce: mappers");
  placement->add_option("--graph", args.options.file, "json: the graph file");
  placement->add_option("--max-bypass", args.max_bypass, "Config::max_bypass")->capture_default_str();
  placement->add_option("--seed", args.options.seed, "seed of the random workloads and of the random policy")
      ->each([&](const std::string&) { args.seed_given = true; });
  placement->add_option("--commit-limit", args.commit_limit,
                        "what-if: tasks the scheduler keeps committed per device (the runtime's is the default)")
      ->capture_default_str();
  placement->add_option("--prefetch-depth", args.prefetch_depth,
                        "what-if, not the runtime today: committed tasks per device whose inputs start moving at once")
      ->capture_default_str();
  placement->add_flag("--class-per-kind", args.class_per_kind,
                      "what-if, not the runtime today: give each task kind its own scheduling class");
  placement->add_flag("--json", args.json, "print the report as JSON on stdout");
  placement->add_option("--html", args.html, "write a Gantt picture of every schedule to this HTML file");
  placement->add_option("--trace", args.trace, "write a Chrome trace (Perfetto) of every schedule to this file");
  CLI11_PARSE(app, argc, argv);
  try {
    return run_placement(args);
  } catch (const hetsched::Error& e) {
    std::fprintf(stderr, "hetsched-bench placement: %s\n", e.what());
    return 2;
  }
}
