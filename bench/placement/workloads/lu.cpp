// Tiled LU without pivoting, right-looking, as StarPU's examples/lu submits it: GETRF on the diagonal tile, TRSM along
// its row (U) and down its column (L), GEMM on the trailing matrix. The tasks that feed the next panel run first.
#include <vector>

#include "graph_builder.hpp"
#include "hetsched/error.hpp"
#include "workloads/workloads.hpp"

namespace hetsched::bench {

TaskGraph lu_workload(const WorkloadOptions& options) {
  if (options.tiles < 1 || options.tile_size < 1) {
    throw UsageError("lu needs --tiles >= 1 and --tile-size >= 1 (got " + std::to_string(options.tiles) + " and " +
                     std::to_string(options.tile_size) + ")");
  }
  constexpr int high = 1;
  constexpr int normal = 0;
  const int n = options.tiles;
  const double b = options.tile_size;
  const auto tile_bytes = static_cast<std::uint64_t>(b * b * sizeof(float));
  GraphBuilder graph;
  const std::uint32_t getrf = graph.kind("getrf");
  const std::uint32_t trsm_row = graph.kind("trsm_row");
  const std::uint32_t trsm_col = graph.kind("trsm_col");
  const std::uint32_t gemm = graph.kind("gemm");
  std::vector<std::uint32_t> tile(static_cast<std::size_t>(n * n));
  for (auto& t : tile) t = graph.buffer(tile_bytes);
  auto at = [&](int i, int j) { return tile[static_cast<std::size_t>(i * n + j)]; };
  const double cube = b * b * b;
  for (int k = 0; k < n; ++k) {
    graph.task({getrf, high, 2 * cube / 3}, {{at(k, k), Access::read_write}});
    for (int j = k + 1; j < n; ++j) {
      graph.task({trsm_row, j == k + 1 ? high : normal, cube}, {{at(k, k), Access::read}, {at(k, j), Access::read_write}});
    }
    for (int i = k + 1; i < n; ++i) {
      graph.task({trsm_col, i == k + 1 ? high : normal, cube}, {{at(k, k), Access::read}, {at(i, k), Access::read_write}});
    }
    for (int i = k + 1; i < n; ++i) {
      for (int j = k + 1; j < n; ++j) {
        graph.task({gemm, i == k + 1 && j == k + 1 ? high : normal, 2 * cube},
                   {{at(i, k), Access::read}, {at(k, j), Access::read}, {at(i, j), Access::read_write}});
      }
    }
  }
  return std::move(graph).build();
}

}  // namespace hetsched::bench
