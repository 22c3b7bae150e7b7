// Tiled Cholesky as StarPU's examples/cholesky submits it: for each panel k, POTRF on the diagonal tile, TRSM down
// the column, SYRK on the diagonal tiles and GEMM on the others of the trailing matrix. Priorities follow StarPU's
// cholesky_implicit.c: POTRF always, and the TRSM and update that feed the next panel, at the highest priority.
#include <vector>

#include "graph_builder.hpp"
#include "hetsched/error.hpp"
#include "workloads/workloads.hpp"

namespace hetsched::bench {

TaskGraph cholesky_workload(const WorkloadOptions& options) {
  if (options.tiles < 1 || options.tile_size < 1) {
    throw UsageError("cholesky needs --tiles >= 1 and --tile-size >= 1 (got " + std::to_string(options.tiles) + " and " +
                     std::to_string(options.tile_size) + ")");
  }
  constexpr int high = 1;  // STARPU_MAX_PRIO's role
  constexpr int normal = 0;
  const int n = options.tiles;
  const double b = options.tile_size;
  const auto tile_bytes = static_cast<std::uint64_t>(b * b * sizeof(float));
  GraphBuilder graph;
  const std::uint32_t potrf = graph.kind("potrf");
  const std::uint32_t trsm = graph.kind("trsm");
  const std::uint32_t syrk = graph.kind("syrk");
  const std::uint32_t gemm = graph.kind("gemm");
  std::vector<std::uint32_t> tile(static_cast<std::size_t>(n * n));  // lower triangle only
  auto at = [&](int i, int j) { return tile[static_cast<std::size_t>(i * n + j)]; };
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j <= i; ++j) tile[static_cast<std::size_t>(i * n + j)] = graph.buffer(tile_bytes);
  }
  const double cube = b * b * b;
  for (int k = 0; k < n; ++k) {
    graph.task({potrf, high, cube / 3}, {{at(k, k), Access::read_write}});
    for (int m = k + 1; m < n; ++m) {
      graph.task({trsm, m == k + 1 ? high : normal, cube}, {{at(k, k), Access::read}, {at(m, k), Access::read_write}});
    }
    for (int m = k + 1; m < n; ++m) {
      graph.task({syrk, m == k + 1 ? high : normal, cube}, {{at(m, k), Access::read}, {at(m, m), Access::read_write}});
      for (int j = k + 1; j < m; ++j) {
        graph.task({gemm, normal, 2 * cube},
                   {{at(m, k), Access::read}, {at(j, k), Access::read}, {at(m, j), Access::read_write}});
      }
    }
  }
  return std::move(graph).build();
}

}  // namespace hetsched::bench
