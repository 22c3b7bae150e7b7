// The right-looking tiled Cholesky A = L L^T: for each tile column k, factor the diagonal tile (POTRF), solve the
// tiles below it (TRSM), then update the trailing matrix (SYRK on its diagonal tiles, GEMM below them). Each step is
// a task; the Buffer accesses it declares are the whole dependency graph: the runtime runs the tasks that touch a
// tile in an order consistent with their submission, so the submitting loop never waits.
#pragma once

#include <vector>

#include <hetsched/hetsched.hpp>

#include "tile_matrix.hpp"
#include "tile_tasks.hpp"

namespace cholesky {

/// Task priorities, as StarPU's cholesky_implicit sets them: the critical path (the diagonal factorisation, then the
/// updates of the next column, which the next factorisation waits for) goes ahead of the rest of the trailing matrix.
namespace priority {
inline constexpr int critical = 2;    ///< POTRF, and SYRK on the next diagonal tile.
inline constexpr int next_panel = 1;  ///< The panel's TRSMs and the GEMMs updating the next column.
inline constexpr int trailing = 0;    ///< Updates further right.
}  // namespace priority

/// Submits the factorisation's tasks through the four builders (a task each, in StarPU cholesky_implicit's order:
/// within a step, the next column's tiles first, with the higher priorities) and returns their refs.
template <class T, class Potrf, class Trsm, class Syrk, class Gemm>
std::vector<hetsched::ObjectRef<void>> submit_steps(TileMatrix<T>& matrix, Potrf& potrf, Trsm& trsm, Syrk& syrk,
                                                    Gemm& gemm) {
  using hetsched::read;
  using hetsched::read_write;
  const int tiles = matrix.tiles();
  const int b = matrix.tile_size();
  potrf.name("potrf").priority(priority::critical);
  trsm.name("trsm").priority(priority::next_panel);
  syrk.name("syrk");
  gemm.name("gemm");

  std::vector<hetsched::ObjectRef<void>> done;
  for (int k = 0; k < tiles; ++k) {
    done.push_back(potrf.remote(b, read_write(matrix.tile(k, k))));
    for (int row = k + 1; row < tiles; ++row) {
      done.push_back(trsm.remote(b, read(matrix.tile(k, k)), read_write(matrix.tile(row, k))));
    }
    for (int col = k + 1; col < tiles; ++col) {
      const bool next_column = col == k + 1;
      syrk.priority(next_column ? priority::critical : priority::trailing);
      gemm.priority(next_column ? priority::next_panel : priority::trailing);
      done.push_back(syrk.remote(b, read(matrix.tile(col, k)), read_write(matrix.tile(col, col))));
      for (int row = col + 1; row < tiles; ++row) {
        done.push_back(gemm.remote(b, read(matrix.tile(row, k)), read(matrix.tile(col, k)),
                                   read_write(matrix.tile(row, col))));
      }
    }
  }
  return done;
}

/// True when `rt` has GPUs (real or logical) for the GPU bodies.
inline bool runtime_has_gpus(const hetsched::Runtime& rt) {
  const auto totals = rt.total_resources();
  const auto gpus = totals.find("GPU");
  return gpus != totals.end() && gpus->second > 0;
}

/// Submits the factorisation of `matrix` in place (its lower tiles become L) and returns the refs of every task it
/// submitted; `rt.get` on them waits for the end and rethrows a failure. Each call is counted in `counts` by the
/// body that ran it. Where the build has GPU bodies and `rt` has GPUs, each task has both bodies, the GPU one asking
/// for `gpu_share` of a GPU (several tiles' kernels may share one) and the CPU one for one CPU; otherwise (no CUDA,
/// or a CPU-only runtime, where a GPU body could never run) the tasks are plain CPU tasks.
template <class T>
std::vector<hetsched::ObjectRef<void>> submit_tiled_cholesky(hetsched::Runtime& rt, TileMatrix<T>& matrix,
                                                             BodyCounts* counts = nullptr, double gpu_share = 1.0) {
  if constexpr (has_gpu_bodies) {
    if (runtime_has_gpus(rt)) {
      auto potrf = rt.task(potrf_task<T>(counts)).cpus(1).gpus(gpu_share);
      auto trsm = rt.task(trsm_task<T>(counts)).cpus(1).gpus(gpu_share);
      auto syrk = rt.task(syrk_task<T>(counts)).cpus(1).gpus(gpu_share);
      auto gemm = rt.task(gemm_task<T>(counts)).cpus(1).gpus(gpu_share);
      return submit_steps(matrix, potrf, trsm, syrk, gemm);
    }
  }
  auto potrf = rt.task(PotrfTask<T>{counts});
  auto trsm = rt.task(TrsmTask<T>{counts});
  auto syrk = rt.task(SyrkTask<T>{counts});
  auto gemm = rt.task(GemmTask<T>{counts});
  return submit_steps(matrix, potrf, trsm, syrk, gemm);
}

/// Floating-point operations of a Cholesky factorisation of order n, the usual n^3 / 3 (StarPU and LAPACK count so).
inline double cholesky_flops(double n) { return n * n * n / 3.0; }

}  // namespace cholesky
