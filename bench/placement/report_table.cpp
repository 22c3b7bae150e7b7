#include "report_table.hpp"

#include <fmt/format.h>

#include <numeric>

namespace hetsched::bench {
namespace {

double mean(const std::vector<double>& values) {
  return values.empty() ? 0 : std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double sum(const std::vector<double>& values) { return std::accumulate(values.begin(), values.end(), 0.0); }

/// The share of the GPUs' held time spent waiting for inputs (0 when no GPU ran anything).
double waiting_share(const Schedule& s) {
  const double held = s.gpu_input_wait_s + sum(s.gpu_busy_s);
  return held > 0 ? s.gpu_input_wait_s / held : 0;
}

std::string megabytes(std::uint64_t bytes) { return fmt::format("{:.1f}", static_cast<double>(bytes) / 1e6); }

}  // namespace

std::string format_table(const PlacementRun& run) {
  const Machine& m = run.machine;
  std::string out = fmt::format("{} ({} tasks) on {}: {} CPUs, {} GPUs\n", run.workload, run.graph.size(), m.name,
                                m.cpus, m.gpus);
  out += fmt::format("lower bound {:.6f} s (area {:.6f} s, critical path {:.6f} s)", run.bound.seconds(),
                     run.bound.area_s, run.bound.critical_path_s);
  out += run.bound.dependency_s
             ? fmt::format("; with dependencies {:.6f} s (ratio_dep below)\n", *run.bound.dependency_s)
             : std::string("; with dependencies: not computed (graph too large)\n");
  out += "kernels:";
  for (const KernelSummary& k : run.kernels) {
    out += fmt::format(" {} x{} (cpu {}, gpu {})", k.kind, k.count,
                       k.cpu_s < 0 ? "-" : fmt::format("{:.3g} s", k.cpu_s),
                       k.gpu_s < 0 ? "-" : fmt::format("{:.3g} s", k.gpu_s));
  }
  out += "\n\n";
  out += fmt::format("{:<10} {:>12} {:>8} {:>9} {:>10} {:>10} {:>10} {:>6} {:>9} {:>9}  {}\n", "policy", "makespan_s",
                     "ratio", "ratio_dep", "h2d_MB", "d2h_MB", "d2d_MB", "cpu%", "cpu_tasks", "gpu_tasks", "gpu% (each GPU), GPU time waiting inputs");
  for (const Schedule& s : run.schedules) {
    const double span = s.makespan_s > 0 ? s.makespan_s : 1;
    std::string gpus;
    for (double busy : s.gpu_busy_s) gpus += fmt::format("{}{:.0f}", gpus.empty() ? "" : " ", 100 * busy / span);
    const std::string ratio_dep =
        run.bound.dependency_s && *run.bound.dependency_s > 0
            ? fmt::format("{:.3f}", s.makespan_s / *run.bound.dependency_s)
            : std::string("-");
    out += fmt::format("{:<10} {:>12.6f} {:>8.3f} {:>9} {:>10} {:>10} {:>10} {:>6.0f} {:>9} {:>9}  {}\n", s.policy,
                       s.makespan_s, s.makespan_s / run.bound.seconds(), ratio_dep, megabytes(s.bytes_moved[0]),
                       megabytes(s.bytes_moved[1]), megabytes(s.bytes_moved[2]), 100 * mean(s.cpu_busy_s) / span,
                       s.cpu_tasks, s.gpu_tasks,
                       gpus.empty() ? "-" : fmt::format("{}, {:.0f}%", gpus, 100 * waiting_share(s)));
  }
  if (!run.real_runs.empty()) out += format_real_runs(run);
  return out;
}

std::string format_real_runs(const PlacementRun& run) {
  std::string out = "\nreal runs on this machine's runtime (each body sleeps for its modelled time):\n";
  out += fmt::format("{:<10} {:>12} {:>12} {:>9} {:>10} {:>16} {:>10} {:>11} {:>10}\n", "policy", "simulated_s",
                     "real_s", "real/sim", "tasks_ran", "cpu/gpu (sim)", "moved_MB", "overrun_us", "submit_ms");
  for (std::size_t i = 0; i < run.real_runs.size(); ++i) {
    const RealRun& real = run.real_runs[i];
    const Schedule& simulated = run.schedules[i];
    out += fmt::format("{:<10} {:>12.6f} {:>12.6f} {:>9.3f} {:>10} {:>16} {:>10} {:>11.0f} {:>10.1f}\n",
                       real.schedule.policy, simulated.makespan_s, real.schedule.makespan_s,
                       real.schedule.makespan_s / simulated.makespan_s, real.tasks_ran,
                       fmt::format("{}/{} ({}/{})", real.schedule.cpu_tasks, real.schedule.gpu_tasks,
                                   simulated.cpu_tasks, simulated.gpu_tasks),
                       megabytes(real.schedule.total_bytes()), 1e6 * real.mean_overrun_s, 1e3 * real.submit_s);
  }
  return out;
}

}  // namespace hetsched::bench
