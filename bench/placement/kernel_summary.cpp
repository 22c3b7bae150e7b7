#include "placement_run.hpp"

namespace hetsched::bench {

std::vector<KernelSummary> summarise_kernels(const TaskGraph& graph, const TaskTimes& times) {
  std::vector<KernelSummary> kernels(graph.kind_names.size());
  for (std::size_t k = 0; k < kernels.size(); ++k) kernels[k].kind = graph.kind_names[k];
  for (std::uint32_t t = 0; t < graph.size(); ++t) {
    KernelSummary& kernel = kernels[graph.tasks[t].kind];
    ++kernel.count;
    auto add = [](double& total, double seconds) {
      if (seconds >= 0) total = (total < 0 ? 0 : total) + seconds;
    };
    add(kernel.cpu_total_s, times.cpu_s[t]);
    add(kernel.gpu_total_s, times.gpu_s[t]);
  }
  for (KernelSummary& kernel : kernels) {
    if (kernel.count == 0) continue;
    const auto count = static_cast<double>(kernel.count);
    kernel.cpu_s = kernel.cpu_total_s < 0 ? -1 : kernel.cpu_total_s / count;
    kernel.gpu_s = kernel.gpu_total_s < 0 ? -1 : kernel.gpu_total_s / count;
  }
  return kernels;
}

}  // namespace hetsched::bench
