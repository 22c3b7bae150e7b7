#include "report_json.hpp"

namespace hetsched::bench {
namespace {

using nlohmann::json;

/// A time, or null when there is no body for that device kind.
json seconds_or_null(double seconds) { return seconds < 0 ? json(nullptr) : json(seconds); }

}  // namespace

json report_json(const PlacementRun& run) {
  const Machine& m = run.machine;
  json out;
  out["workload"] = run.workload;
  out["tasks"] = run.graph.size();
  out["machine"] = {{"name", m.name},
                    {"cpus", m.cpus},
                    {"gpus", m.gpus},
                    {"gpu_memory_bytes", m.gpu_memory},
                    {"h2d_bytes_per_s", m.links.host_to_device},
                    {"d2h_bytes_per_s", m.links.device_to_host},
                    {"d2d_bytes_per_s", m.links.device_to_device},
                    {"latency_s", m.links.latency_s},
                    {"copy_lanes", m.copy_lanes}};
  out["lower_bound_s"] = run.bound.seconds();
  out["dependency_bound_s"] = run.bound.dependency_s ? json(*run.bound.dependency_s) : json(nullptr);
  out["policies"] = json::array();
  for (const Schedule& s : run.schedules) {
    const double span = s.makespan_s > 0 ? s.makespan_s : 1;
    json cpu_utilisation = json::array();
    json gpu_utilisation = json::array();
    for (double busy : s.cpu_busy_s) cpu_utilisation.push_back(busy / span);
    for (double busy : s.gpu_busy_s) gpu_utilisation.push_back(busy / span);
    out["policies"].push_back({{"policy", s.policy},
                               {"makespan_s", s.makespan_s},
                               {"lower_bound_s", run.bound.seconds()},
                               {"area_bound_s", run.bound.area_s},
                               {"critical_path_s", run.bound.critical_path_s},
                               {"ratio", s.makespan_s / run.bound.seconds()},
                               {"dependency_bound_s",
                                run.bound.dependency_s ? json(*run.bound.dependency_s) : json(nullptr)},
                               {"bytes_moved", s.total_bytes()},
                               {"bytes_moved_by_link", {{"h2d", s.bytes_moved[0]}, {"d2h", s.bytes_moved[1]},
                                                        {"d2d", s.bytes_moved[2]}}},
                               {"utilisation", {{"cpu", cpu_utilisation}, {"gpu", gpu_utilisation}}},
                               {"tasks_per_variant", {{"cpu", s.cpu_tasks}, {"gpu", s.gpu_tasks}}},
                               {"input_wait_s", {{"cpu", s.cpu_input_wait_s}, {"gpu", s.gpu_input_wait_s}}},
                               {"evictions", s.evictions},
                               {"policy_calls", s.policy_calls},
                               {"task_events", s.task_events},
                               {"replay_wall_s", s.wall_s},
                               {"replay_cpu_s", s.cpu_s}});
  }
  out["real"] = json::array();
  for (std::size_t i = 0; i < run.real_runs.size(); ++i) {
    const RealRun& real = run.real_runs[i];
    const Schedule& s = real.schedule;
    out["real"].push_back({{"policy", s.policy},
                           {"makespan_s", s.makespan_s},
                           {"simulated_makespan_s", run.schedules[i].makespan_s},
                           {"ratio_to_simulated", s.makespan_s / run.schedules[i].makespan_s},
                           {"last_body_end_s", real.last_body_end_s},
                           {"tasks_ran", real.tasks_ran},
                           {"tasks_per_variant", {{"cpu", s.cpu_tasks}, {"gpu", s.gpu_tasks}}},
                           {"bytes_moved", s.total_bytes()},
                           {"bytes_moved_by_link", {{"h2d", s.bytes_moved[0]}, {"d2h", s.bytes_moved[1]},
                                                    {"d2d", s.bytes_moved[2]}}},
                           {"mean_overrun_s", real.mean_overrun_s},
                           {"submit_s", real.submit_s}});
  }
  out["kernels"] = json::object();
  for (const KernelSummary& k : run.kernels) {
    out["kernels"][k.kind] = {{"count", k.count},
                              {"cpu_s", seconds_or_null(k.cpu_s)},
                              {"gpu_s", seconds_or_null(k.gpu_s)},
                              {"cpu_total_s", seconds_or_null(k.cpu_total_s)},
                              {"gpu_total_s", seconds_or_null(k.gpu_total_s)}};
  }
  return out;
}

}  // namespace hetsched::bench
