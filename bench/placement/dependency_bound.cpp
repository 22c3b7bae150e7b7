#include "dependency_bound.hpp"

#include <glpk.h>

#include <memory>
#include <vector>

#include "hetsched/error.hpp"

namespace hetsched::bench {
namespace {

/// The LP's sparse matrix, one entry at a time (GLPK indexes from 1).
struct Entries {
  std::vector<int> rows{0};
  std::vector<int> cols{0};
  std::vector<double> values{0};
  void add(int row, int col, double value) {
    rows.push_back(row);
    cols.push_back(col);
    values.push_back(value);
  }
};

}  // namespace

std::optional<double> dependency_bound_lp(const TaskGraph& graph, const TaskTimes& times, int cpus, int gpus) {
  const std::size_t n = graph.size();
  if (n > dependency_bound_max_tasks) return std::nullopt;
  if (n == 0) return 0.0;
  std::unique_ptr<glp_prob, decltype(&glp_delete_prob)> lp(glp_create_prob(), &glp_delete_prob);
  glp_prob* p = lp.get();
  glp_set_obj_dir(p, GLP_MIN);
  Entries matrix;

  const int t_col = glp_add_cols(p, 1);  // the makespan
  glp_set_col_bnds(p, t_col, GLP_LO, 0.0, 0.0);
  glp_set_obj_coef(p, t_col, 1.0);
  const int start_col = glp_add_cols(p, static_cast<int>(n));  // s_t for task t is start_col + t
  for (std::size_t t = 0; t < n; ++t) glp_set_col_bnds(p, start_col + static_cast<int>(t), GLP_LO, 0.0, 0.0);

  // Rows: each task's fractions sum to 1; its end is by T (T - s_t - length_t >= 0); each kind's work is within
  // count x T (count x T - work >= 0); each dependency i -> j (s_j - s_i - length_i >= 0).
  const int fraction_row = glp_add_rows(p, static_cast<int>(n));
  const int end_row = glp_add_rows(p, static_cast<int>(n));
  const int area_row = glp_add_rows(p, 2);
  const int counts[2] = {cpus, gpus};
  for (int kind = 0; kind < 2; ++kind) {
    glp_set_row_bnds(p, area_row + kind, GLP_LO, 0.0, 0.0);
    matrix.add(area_row + kind, t_col, static_cast<double>(counts[kind]));
  }
  std::vector<int> fraction_cols(2 * n, 0);  // per task and kind, its column (0: it cannot run there)
  for (std::size_t t = 0; t < n; ++t) {
    const int task_row = static_cast<int>(t);
    glp_set_row_bnds(p, fraction_row + task_row, GLP_FX, 1.0, 1.0);
    glp_set_row_bnds(p, end_row + task_row, GLP_LO, 0.0, 0.0);
    matrix.add(end_row + task_row, t_col, 1.0);
    matrix.add(end_row + task_row, start_col + task_row, -1.0);
    const double length[2] = {times.cpu_s[t], times.gpu_s[t]};
    bool placeable = false;
    for (int kind = 0; kind < 2; ++kind) {
      if (length[kind] < 0 || counts[kind] == 0) continue;
      placeable = true;
      const int col = glp_add_cols(p, 1);
      glp_set_col_bnds(p, col, GLP_DB, 0.0, 1.0);
      fraction_cols[2 * t + static_cast<std::size_t>(kind)] = col;
      matrix.add(fraction_row + task_row, col, 1.0);
      matrix.add(end_row + task_row, col, -length[kind]);
      matrix.add(area_row + kind, col, -length[kind]);
    }
    if (!placeable) throw UsageError("the dependency bound has task " + graph.task_name(static_cast<std::uint32_t>(t)) +
                                     ", which no device of the machine can run");
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::uint32_t e = graph.successor_offsets[i]; e < graph.successor_offsets[i + 1]; ++e) {
      const std::uint32_t j = graph.successors[e];
      const int row = glp_add_rows(p, 1);
      glp_set_row_bnds(p, row, GLP_LO, 0.0, 0.0);
      matrix.add(row, start_col + static_cast<int>(j), 1.0);
      matrix.add(row, start_col + static_cast<int>(i), -1.0);
      const double length[2] = {times.cpu_s[i], times.gpu_s[i]};
      for (int kind = 0; kind < 2; ++kind) {
        if (const int col = fraction_cols[2 * i + static_cast<std::size_t>(kind)]; col != 0) {
          matrix.add(row, col, -length[kind]);
        }
      }
    }
  }
  glp_load_matrix(p, static_cast<int>(matrix.values.size()) - 1, matrix.rows.data(), matrix.cols.data(),
                  matrix.values.data());
  glp_smcp params;
  glp_init_smcp(&params);
  params.msg_lev = GLP_MSG_OFF;
  params.presolve = GLP_ON;
  if (glp_simplex(p, &params) != 0 || glp_get_status(p) != GLP_OPT) {
    throw Error("GLPK could not solve the dependency bound's linear program");
  }
  return glp_get_obj_val(p);
}

}  // namespace hetsched::bench
