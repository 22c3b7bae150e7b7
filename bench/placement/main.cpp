// hetsched-bench: `placement` replays a workload on a modelled machine with each of the runtime's placement
// policies, and prints the makespans against a lower bound (a table, or --json), optionally with an HTML Gantt
// picture and a Chrome trace of every schedule.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "detected_machine.hpp"
#include "gantt_html.hpp"
#include "hetsched/error.hpp"
#include "lower_bound.hpp"
#include "placement_run.hpp"
#include "progress_bar.hpp"
#include "real_run.hpp"
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
  std::string policies = "pack,spread,locality,model,dmdas,heteroprio,random";
  WorkloadOptions options;
  bool seed_given = false;
  bool json = false;
  std::string html;
  std::string trace;
  std::uint32_t max_bypass = 64;
  bool class_per_kind = false;
  std::uint32_t commit_limit = hetsched::detail::default_commit_limit;
  std::uint32_t prefetch_depth = 0;
  double time_scale = 1;
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
  if (args.workload == "seed-pipeline") return args.workload + " (seed " + std::to_string(o.seed) + ")";
  if (args.workload.starts_with("seed-")) return args.workload;
  return args.workload + " (seed " + std::to_string(o.seed) + ", " + std::to_string(graph.buffer_bytes.size()) +
         " buffers)";
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  if (!(out << text)) throw hetsched::UsageError("cannot write '" + path + "'; check the directory exists");
}

/// Every modelled time times `scale` (--time-scale).
void scale_times(TaskTimes& times, double scale) {
  for (auto* per_task : {&times.cpu_s, &times.gpu_s}) {
    for (double& seconds : *per_task) {
      if (seconds >= 0) seconds *= scale;
    }
  }
}

/// --machine detected: unmeasured runs of the graph under `model` before anything is replayed or measured. The first
/// calibrates the runtime's models (a replay's models are perfect from the start), needed where a policy uses them,
/// and leaves a logical GPU's memory in use, as the later runs find it. Where the links are to be measured, a second
/// one gives them: the rates of the store's own copies (links_from_copies), a memcpy measured alone being faster than
/// memcpys that share the cores with each other and with page faults.
void warm_up(PlacementRun& run, hetsched::Runtime& runtime, bool models_used, bool measure_links) {
  check_runnable(run.graph);
  if (!models_used && !measure_links) return;
  {
    ProgressBar bar("calibrating the runtime's models: " + run.workload);
    run_for_real(run.graph, run.times, runtime, "model");
  }
  if (!measure_links) return;
  ProgressBar bar("measuring the runtime's copies: " + run.workload);
  const hetsched::StoreStats before = runtime.store_stats();
  run_for_real(run.graph, run.times, runtime, "model");
  run.machine.links = links_from_copies(before, runtime.store_stats(), run.machine.links);
}

/// --machine detected: runs the graph for real under each policy, after warm_up.
void run_detected(PlacementRun& run, hetsched::Runtime& runtime, const std::vector<std::string>& policy_names) {
  for (const std::string& name : policy_names) {
    ProgressBar bar(name + " for real: " + run.workload);
    run.real_runs.push_back(run_for_real(run.graph, run.times, runtime, name));
  }
}

/// `run` with each real run's schedule after the simulated ones, as "POLICY (real)", for the pictures.
PlacementRun with_real_schedules(const PlacementRun& run) {
  PlacementRun pictured = run;
  for (const RealRun& real : run.real_runs) {
    pictured.schedules.push_back(real.schedule);
    pictured.schedules.back().policy += " (real)";
  }
  return pictured;
}

int run_placement(const PlacementArgs& args) {
  if (!(args.time_scale > 0)) throw hetsched::UsageError("--time-scale must be above 0");
  PlacementRun run;
  std::unique_ptr<hetsched::Runtime> runtime;  // --machine detected: the runtime the graph runs on for real
  bool measure_links = false;                  // --machine detected on logical GPUs, with no links given
  if (is_detected_spec(args.machine)) {
    DetectedSpec detected = parse_detected(args.machine);
    detected.config.advice = nullptr;  // the bench's graphs are not the user's program to advise on
    runtime = std::make_unique<hetsched::Runtime>(detected.config);
    run.machine = detected_model(detected, *runtime);
    measure_links = !detected.links_given && runtime->hardware().gpus.empty() && run.machine.gpus > 0;
  } else {
    run.machine = parse_machine(args.machine);
  }
  run.graph = make_workload(args.workload, args.options);
  run.workload = describe(args, run.graph);
  run.times = resolve_task_times(run.graph, run.machine);
  scale_times(run.times, args.time_scale);
  std::vector<std::unique_ptr<hetsched::detail::Policy>> policies;
  std::vector<std::string> policy_names;
  for (std::string name : split_names(args.policies)) {
    if (name == "random" && args.seed_given) name = "random:" + std::to_string(args.options.seed);
    policies.push_back(hetsched::detail::make_policy(name));  // UsageError naming the known policies
    policy_names.push_back(name);
  }
  if (runtime) {
    const bool models_used =
        std::any_of(policies.begin(), policies.end(), [](const auto& p) { return p->uses_models(); });
    warm_up(run, *runtime, models_used, measure_links);
  }
  run.bound = lower_bound(run.graph, run.times, run.machine);
  run.kernels = summarise_kernels(run.graph, run.times);
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
  if (runtime) run_detected(run, *runtime, policy_names);
  if (!args.html.empty() || !args.trace.empty()) {
    const PlacementRun pictured = with_real_schedules(run);
    if (!args.html.empty()) write_file(args.html, gantt_html(pictured));
    if (!args.trace.empty()) schedule_trace(pictured).write(args.trace);
  }
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
  placement->add_option("--workload", args.workload,
                        "cholesky, lu, random, mapreduce, json, or a seed's program (shared/seeds/, examples/): "
                        "seed-delay-get (4 tasks of 1 s, one get), seed-tiny-tasks (100000 calls of 0.1 ms, --batch "
                        "per task), seed-large-object (a 200 MB matrix put once, 10 no_work tasks read it), "
                        "seed-pipeline (4 tasks of uniform(0, 4) s, each result processed for 1 s in finishing order)")
      ->capture_default_str();
  placement->add_option("--machine", args.machine,
                        "[FILE.json or mirage or h200x8,]key=value,...: cpus, gpus, gpu_mem, h2d, d2h, d2d, latency, "
                        "copy_lanes, cpu_gflops, gpu_gflops (e.g. mirage,cpus=16,gpus=4); or "
                        "detected[,cpus=N,gpus=N,timings=MACHINE,...]: run the graph for real on this machine's "
                        "runtime (gpus beyond the CUDA devices are logical; each body sleeps for its modelled time, "
                        "from MACHINE's kernel timings, default mirage) and report the real makespan beside the "
                        "simulated one on a model of that runtime (links with logical GPUs only: the rates of the store's "
                        "own copies in a warm-up run, one copy lane per core; unless h2d, d2h, d2d, latency, "
                        "copy_lanes are given)")
      ->capture_default_str();
  placement->add_option("--policies", args.policies, "comma-separated policy names")->capture_default_str();
  placement->add_option("--tiles", args.options.tiles, "cholesky, lu: tiles per side")->capture_default_str();
  placement->add_option("--tile-size", args.options.tile_size, "cholesky, lu: tile side")->capture_default_str();
  placement->add_option("--width", args.options.width, "random: mean tasks per layer")->capture_default_str();
  placement->add_option("--depth", args.options.depth, "random: layers")->capture_default_str();
  placement->add_option("--fan-in", args.options.fan_in, "random: most inputs per task")->capture_default_str();
  placement->add_option("--tasks", args.options.tasks,
                        "random: total tasks (instead of --depth); mapreduce: mappers; seeds: their task count "
                        "(seed-tiny-tasks: tiny_work calls)");
  placement->add_option("--batch", args.options.batch, "seed-tiny-tasks: tiny_work calls per task")
      ->capture_default_str();
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
  placement->add_option("--time-scale", args.time_scale,
                        "multiply every modelled task time by this (e.g. 10 with --machine detected, to weigh the "
                        "runtime's per-task costs less)")
      ->capture_default_str();
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
