#include "task_times.hpp"

#include "hetsched/error.hpp"

namespace hetsched::bench {

TaskTimes resolve_task_times(const TaskGraph& graph, const Machine& machine) {
  TaskTimes times;
  times.cpu_s.resize(graph.size());
  times.gpu_s.resize(graph.size());
  for (std::uint32_t t = 0; t < graph.size(); ++t) {
    const GraphTask& task = graph.tasks[t];
    const std::string& kind = graph.kind_names[task.kind];
    double cpu = task.cpu_s >= 0 ? task.cpu_s : kernel_seconds(machine, kind, task.flops, false);
    double gpu = task.gpu_s >= 0 ? task.gpu_s : kernel_seconds(machine, kind, task.flops, true);
    if (cpu < 0 && gpu < 0) {
      throw UsageError("task kind '" + kind + "' has no time for any device kind on machine '" + machine.name +
                       "'; give its tasks \"cpu_s\"/\"gpu_s\" or \"flops\", add the kind to the machine's \"kernels\", or start --machine with a machine file that times it (mirage, h200x8)");
    }
    if (machine.cpus == 0) cpu = -1;
    if (machine.gpus == 0) gpu = -1;
    if (cpu < 0 && gpu < 0) {
      throw UsageError("task kind '" + kind + "' runs only on " + (machine.cpus == 0 ? "CPUs" : "GPUs") +
                       " and machine '" + machine.name + "' has none; add " + (machine.cpus == 0 ? "cpus" : "gpus") +
                       " to the machine");
    }
    times.cpu_s[t] = cpu;
    times.gpu_s[t] = gpu;
  }
  return times;
}

}  // namespace hetsched::bench
