#include "lower_bound.hpp"

#include <glpk.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "dependency_bound.hpp"
#include "hetsched/error.hpp"

namespace hetsched::bench {

std::vector<WorkGroup> work_groups(const TaskGraph& graph, const TaskTimes& times) {
  // Key: kind, and the ratio of the task's two times (rounded to 12 significant digits), or which one it lacks.
  std::map<std::pair<std::uint32_t, double>, WorkGroup> groups;
  for (std::uint32_t t = 0; t < graph.size(); ++t) {
    const double cpu = times.cpu_s[t];
    const double gpu = times.gpu_s[t];
    double ratio = cpu < 0 ? -1 : gpu < 0 ? -2 : (gpu == 0 ? INFINITY : cpu / gpu);
    if (std::isfinite(ratio) && ratio > 0) {
      const double scale = std::pow(10.0, 11 - std::floor(std::log10(ratio)));
      ratio = std::round(ratio * scale) / scale;
    }
    auto [it, fresh] = groups.try_emplace({graph.tasks[t].kind, ratio}, WorkGroup{cpu < 0 ? -1.0 : 0.0, gpu < 0 ? -1.0 : 0.0});
    if (cpu >= 0) it->second.cpu_s += cpu;
    if (gpu >= 0) it->second.gpu_s += gpu;
  }
  std::vector<WorkGroup> flat;
  for (auto& [key, group] : groups) flat.push_back(group);
  return flat;
}

double area_bound_lp(const std::vector<WorkGroup>& groups, int cpus, int gpus) {
  std::unique_ptr<glp_prob, decltype(&glp_delete_prob)> lp(glp_create_prob(), &glp_delete_prob);
  glp_prob* p = lp.get();
  glp_set_obj_dir(p, GLP_MIN);
  const int counts[2] = {cpus, gpus};
  // Rows: one per group (its fractions sum to 1), then one per device kind (its work minus count x T <= 0).
  const int group_rows = static_cast<int>(groups.size());
  glp_add_rows(p, group_rows + 2);
  for (int g = 1; g <= group_rows; ++g) glp_set_row_bnds(p, g, GLP_FX, 1.0, 1.0);
  for (int r = 0; r < 2; ++r) glp_set_row_bnds(p, group_rows + 1 + r, GLP_UP, 0.0, 0.0);
  std::vector<int> rows{0};
  std::vector<int> cols{0};
  std::vector<double> values{0};
  const int t_col = glp_add_cols(p, 1);
  glp_set_col_bnds(p, t_col, GLP_LO, 0.0, 0.0);
  glp_set_obj_coef(p, t_col, 1.0);
  for (int r = 0; r < 2; ++r) {
    rows.push_back(group_rows + 1 + r);
    cols.push_back(t_col);
    values.push_back(-static_cast<double>(counts[r]));
  }
  for (int g = 0; g < group_rows; ++g) {
    const double work[2] = {groups[static_cast<std::size_t>(g)].cpu_s, groups[static_cast<std::size_t>(g)].gpu_s};
    bool placeable = false;
    for (int r = 0; r < 2; ++r) {
      if (work[r] < 0 || counts[r] == 0) continue;
      placeable = true;
      const int col = glp_add_cols(p, 1);
      glp_set_col_bnds(p, col, GLP_DB, 0.0, 1.0);
      rows.push_back(g + 1);
      cols.push_back(col);
      values.push_back(1.0);
      rows.push_back(group_rows + 1 + r);
      cols.push_back(col);
      values.push_back(work[r]);
    }
    if (!placeable) throw UsageError("the area bound has a task group that no device of the machine can run");
  }
  glp_load_matrix(p, static_cast<int>(values.size()) - 1, rows.data(), cols.data(), values.data());
  glp_smcp params;
  glp_init_smcp(&params);
  params.msg_lev = GLP_MSG_OFF;
  if (glp_simplex(p, &params) != 0 || glp_get_status(p) != GLP_OPT) {
    throw Error("GLPK could not solve the area bound's linear program");
  }
  if (groups.size() <= 4000 && glp_exact(p, &params) != 0) throw Error("GLPK's exact solver failed on the area bound");
  return glp_get_obj_val(p);
}

double area_bound_two_kinds(const std::vector<WorkGroup>& groups, int cpus, int gpus) {
  double cpu_load = 0;  // everything that may run on a CPU starts there; GPU-only work on the GPUs
  double gpu_load = 0;
  std::vector<WorkGroup> movable;
  for (const WorkGroup& g : groups) {
    if (g.cpu_s < 0 || cpus == 0) gpu_load += g.gpu_s;
    else if (g.gpu_s < 0 || gpus == 0) cpu_load += g.cpu_s;
    else {
      cpu_load += g.cpu_s;
      movable.push_back(g);
    }
  }
  if (gpus == 0) return cpu_load / cpus;
  if (cpus == 0) return gpu_load / gpus;
  // Move work to the GPUs where they gain most over a core first, until the GPUs' time reaches the CPUs'.
  std::sort(movable.begin(), movable.end(),
            [](const WorkGroup& a, const WorkGroup& b) { return a.cpu_s * b.gpu_s > b.cpu_s * a.gpu_s; });
  const double c = cpus;
  const double n = gpus;
  for (const WorkGroup& g : movable) {
    if (gpu_load / n >= cpu_load / c) break;
    if ((gpu_load + g.gpu_s) / n <= (cpu_load - g.cpu_s) / c) {
      gpu_load += g.gpu_s;
      cpu_load -= g.cpu_s;
      continue;
    }
    const double fraction = (cpu_load / c - gpu_load / n) / (g.gpu_s / n + g.cpu_s / c);
    gpu_load += fraction * g.gpu_s;
    cpu_load -= fraction * g.cpu_s;
    break;
  }
  return std::max(cpu_load / c, gpu_load / n);
}

double critical_path_seconds(const TaskGraph& graph, const TaskTimes& times) {
  std::vector<double> finish(graph.size(), 0.0);  // the earliest finish of each task's longest chain
  std::vector<std::uint32_t> pending = graph.predecessor_count;
  std::vector<std::uint32_t> ready;
  for (std::uint32_t t = 0; t < graph.size(); ++t) {
    if (pending[t] == 0) ready.push_back(t);
  }
  double longest = 0;
  while (!ready.empty()) {
    const std::uint32_t t = ready.back();
    ready.pop_back();
    const double cpu = times.cpu_s[t] < 0 ? INFINITY : times.cpu_s[t];
    const double gpu = times.gpu_s[t] < 0 ? INFINITY : times.gpu_s[t];
    finish[t] += std::min(cpu, gpu);  // finish[t] held the latest finish of its predecessors
    longest = std::max(longest, finish[t]);
    for (std::uint32_t i = graph.successor_offsets[t]; i < graph.successor_offsets[t + 1]; ++i) {
      const std::uint32_t next = graph.successors[i];
      finish[next] = std::max(finish[next], finish[t]);
      if (--pending[next] == 0) ready.push_back(next);
    }
  }
  return longest;
}

LowerBound lower_bound(const TaskGraph& graph, const TaskTimes& times, const Machine& machine) {
  LowerBound bound;
  bound.critical_path_s = critical_path_seconds(graph, times);
  bound.area_s = area_bound_lp(work_groups(graph, times), machine.cpus, machine.gpus);
  bound.dependency_s = dependency_bound_lp(graph, times, machine.cpus, machine.gpus);
  return bound;
}

}  // namespace hetsched::bench
