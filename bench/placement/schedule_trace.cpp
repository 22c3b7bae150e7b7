#include "schedule_trace.hpp"

namespace hetsched::bench {
namespace {

constexpr int gpu_lane_base = 1000;   // lane ids: CPU core c is c; GPU d is 1000 + d; GPU d's links are 2000 + d
constexpr int link_lane_base = 2000;
constexpr int host_link_lane = 3000;  // copies home (device to host) of every GPU

int lane_of(const TaskRun& run) { return run.gpu < 0 ? run.cpu_slot : gpu_lane_base + run.gpu; }

std::string node_name(int node) { return node < 0 ? "host" : "gpu" + std::to_string(node); }

}  // namespace

detail::ChromeTrace schedule_trace(const PlacementRun& run) {
  detail::ChromeTrace trace;
  const Machine& m = run.machine;
  for (std::size_t p = 0; p < run.schedules.size(); ++p) {
    const Schedule& s = run.schedules[p];
    const int pid = static_cast<int>(p) + 1;
    trace.name_process(pid, "policy " + s.policy + " (makespan " + std::to_string(s.makespan_s) + " s)");
    for (int c = 0; c < m.cpus; ++c) trace.name_lane(pid, c, "CPU " + std::to_string(c), c);
    for (int d = 0; d < m.gpus; ++d) {
      trace.name_lane(pid, gpu_lane_base + d, "GPU " + std::to_string(d), m.cpus + 2 * d);
      trace.name_lane(pid, link_lane_base + d, "GPU " + std::to_string(d) + " copies in", m.cpus + 2 * d + 1);
    }
    if (m.gpus > 0) trace.name_lane(pid, host_link_lane, "copies to host", m.cpus + 2 * m.gpus);
    for (std::uint32_t t = 0; t < run.graph.size(); ++t) {
      const TaskRun& r = s.runs[t];
      const std::string& kind = run.graph.kind_names[run.graph.tasks[t].kind];
      trace.complete(pid, lane_of(r), run.graph.task_name(t), kind, r.start_s, r.end_s - r.start_s,
                     {{"kind", kind}, {"placed_s", r.placed_s}, {"waited_for_inputs_s", r.start_s - r.placed_s},
                      {"priority", run.graph.tasks[t].priority}});
    }
    for (const TransferRun& x : s.transfers) {
      const int lane = x.to_node < 0 ? host_link_lane : link_lane_base + x.to_node;
      const std::string name = (x.write_back ? "write-back " : "copy ") + node_name(x.from_node) + "->" +
                               node_name(x.to_node);
      trace.complete(pid, lane, name, x.write_back ? "write-back" : "copy", x.start_s, x.end_s - x.start_s,
                     {{"buffer", x.buffer}, {"bytes", x.bytes}, {"for_task", run.graph.task_name(x.task)}});
      if (!x.write_back) {
        const TaskRun& needer = s.runs[x.task];
        trace.flow(pid, lane, x.start_s, pid, lane_of(needer), needer.start_s, "input");
      } else {
        trace.instant(pid, lane, "evicted buffer " + std::to_string(x.buffer), "eviction", x.start_s);
      }
    }
  }
  return trace;
}

}  // namespace hetsched::bench
