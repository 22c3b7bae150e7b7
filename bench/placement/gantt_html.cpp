#include "gantt_html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "hetsched/error.hpp"

namespace hetsched::bench {
namespace {

constexpr double chart_width = 1200;  // pixels for the makespan
constexpr double label_width = 110;
constexpr double lane_height = 16;
constexpr double link_height = 7;

/// A distinct colour per kind (golden-angle hues).
std::string colour(std::uint32_t kind) {
  return fmt::format("hsl({:.0f},65%,55%)", std::fmod(kind * 137.508 + 20, 360.0));
}

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string node_name(int node) { return node < 0 ? "host" : "GPU " + std::to_string(node); }

/// One policy's chart as inline SVG.
std::string chart(const PlacementRun& run, const Schedule& s, double span) {
  const Machine& m = run.machine;
  const double scale = chart_width / span;
  // Rows: CPU cores, then each GPU with its copy lane below it.
  auto cpu_y = [&](int c) { return 24 + c * lane_height; };
  auto gpu_y = [&](int d) { return 24 + m.cpus * lane_height + d * (lane_height + link_height + 2); };
  const double height = gpu_y(m.gpus) + 10;
  std::string svg = fmt::format(
      "<svg width=\"{:.0f}\" height=\"{:.0f}\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">\n",
      label_width + chart_width + 20, height);
  // Time axis: about ten ticks at round values.
  const double step = std::pow(10.0, std::floor(std::log10(span / 10)));
  const double tick = span / step > 50 ? 5 * step : span / step > 20 ? 2 * step : step;
  for (double t = 0; t <= span * 1.0001; t += tick) {
    const double x = label_width + t * scale;
    svg += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"18\" y2=\"{1:.0f}\" class=\"grid\"/>"
                       "<text x=\"{0:.1f}\" y=\"14\" text-anchor=\"middle\">{2:.4g} s</text>\n",
                       x, height - 8, t);
  }
  for (int c = 0; c < m.cpus; ++c) {
    svg += fmt::format("<text x=\"4\" y=\"{:.0f}\">CPU {}</text>\n", cpu_y(c) + 12, c);
  }
  for (int d = 0; d < m.gpus; ++d) {
    svg += fmt::format("<text x=\"4\" y=\"{:.0f}\" font-weight=\"bold\">GPU {}</text>"
                       "<text x=\"14\" y=\"{:.0f}\" font-size=\"8\">copies in</text>\n",
                       gpu_y(d) + 12, d, gpu_y(d) + lane_height + link_height);
  }
  for (std::uint32_t t = 0; t < run.graph.size(); ++t) {
    const TaskRun& r = s.runs[t];
    const GraphTask& task = run.graph.tasks[t];
    const double y = r.gpu < 0 ? cpu_y(r.cpu_slot) : gpu_y(r.gpu);
    const std::string where = r.gpu < 0 ? "CPU " + std::to_string(r.cpu_slot) : "GPU " + std::to_string(r.gpu);
    svg += fmt::format(
        "<rect x=\"{:.2f}\" y=\"{:.0f}\" width=\"{:.2f}\" height=\"{:.0f}\" fill=\"{}\"><title>{} ({}) on {}\n"
        "placed {:.6f} s, inputs in {:.6f} s, ran {:.6f} s to {:.6f} s ({:.6f} s), priority {}</title></rect>\n",
        label_width + r.start_s * scale, y + 1, std::max(0.5, (r.end_s - r.start_s) * scale), lane_height - 2,
        colour(task.kind), escape(run.graph.task_name(t)), escape(run.graph.kind_names[task.kind]), where, r.placed_s,
        r.start_s - r.placed_s, r.start_s, r.end_s, r.end_s - r.start_s, task.priority);
  }
  for (const TransferRun& x : s.transfers) {
    if (x.to_node < 0) continue;  // copies home are in the trace; the page shows what feeds each GPU
    svg += fmt::format(
        "<rect x=\"{:.2f}\" y=\"{:.0f}\" width=\"{:.2f}\" height=\"{:.0f}\" class=\"{}\"><title>copy of buffer {} "
        "({:.2f} MB) {} to {} for {}\n{:.6f} s to {:.6f} s</title></rect>\n",
        label_width + x.start_s * scale, gpu_y(x.to_node) + lane_height, std::max(0.5, (x.end_s - x.start_s) * scale),
        link_height, x.from_node < 0 ? "h2d" : "d2d", x.buffer, static_cast<double>(x.bytes) / 1e6,
        node_name(x.from_node), node_name(x.to_node), escape(run.graph.task_name(x.task)), x.start_s, x.end_s);
  }
  return svg + "</svg>\n";
}

}  // namespace

std::string gantt_html(const PlacementRun& run) {
  if (run.graph.size() > gantt_max_tasks) {
    throw UsageError(fmt::format("--html draws at most {} tasks and this graph has {}; use --trace (Perfetto) for it, "
                                 "or a smaller workload",
                                 gantt_max_tasks, run.graph.size()));
  }
  double span = 0;  // one time scale for every policy, so the charts compare at a glance
  for (const Schedule& s : run.schedules) span = std::max(span, s.makespan_s);
  if (span <= 0) span = 1;
  std::string page = fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>hetsched placement: {0}</title>\n"
      "<style>body{{font-family:sans-serif;margin:16px}} .grid{{stroke:#ddd}} .h2d{{fill:#333}} .d2d{{fill:#c0392b}}"
      " rect:hover{{stroke:#000;stroke-width:1}} .legend span{{display:inline-block;padding:2px 8px;margin-right:6px;"
      "color:#fff}}</style></head><body>\n<h2>{0}</h2>\n<p>{1} tasks on {2}: {3} CPUs, {4} GPUs. Lower bound {5:.6f} s "
      "(area {6:.6f} s, critical path {7:.6f} s){8}. Hover a task or copy for details.</p>\n<p class=\"legend\">",
      escape(run.workload), run.graph.size(), escape(run.machine.name), run.machine.cpus, run.machine.gpus,
      run.bound.seconds(), run.bound.area_s, run.bound.critical_path_s,
      run.bound.dependency_s ? fmt::format("; with dependencies {:.6f} s", *run.bound.dependency_s) : std::string());
  for (std::uint32_t k = 0; k < run.graph.kind_names.size(); ++k) {
    page += fmt::format("<span style=\"background:{}\">{}</span>", colour(k), escape(run.graph.kind_names[k]));
  }
  page += "<span style=\"background:#333\">copy host to GPU</span><span style=\"background:#c0392b\">copy GPU to "
          "GPU</span></p>\n";
  for (const Schedule& s : run.schedules) {
    page += fmt::format("<h3>{}: makespan {:.6f} s, {:.3f}x the bound, {:.1f} MB moved</h3>\n", escape(s.policy),
                        s.makespan_s, s.makespan_s / run.bound.seconds(), static_cast<double>(s.total_bytes()) / 1e6);
    page += chart(run, s, span);
  }
  return page + "</body></html>\n";
}

}  // namespace hetsched::bench
