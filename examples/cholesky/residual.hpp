// The check: the relative residual ||A - L L^T||_F / ||A||_F of a factored TileMatrix, computed with tasks like the
// factorisation itself. Each lower tile R(i,j) starts as A(i,j), regenerated from the seed, and has every product
// L(i,k) L(j,k)^T, k <= j, subtracted from it; then a task sums its squares. A stays symmetric and only its lower
// tiles are stored, so a tile below the diagonal counts twice and a diagonal tile counts its lower triangle (the
// strict part twice). The upper triangles of the factored diagonal tiles still hold A's values; the products read
// only their lower triangles.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "cpu_kernels.hpp"
#include "tile_matrix.hpp"
#include "tile_tasks.hpp"

namespace cholesky {

/// R(j,j) := R(j,j) - L L^T, L the lower triangle of the factored diagonal tile L(j,j).
template <class T>
struct SubtractDiagonalSquareTask {
  void operator()(int b, std::span<const T> factored_diagonal, std::span<T> residual) const {
    const auto n = static_cast<std::size_t>(b);
    std::vector<T> product(n * n, T(0));
    for (std::size_t c = 0; c < n; ++c) {
      for (std::size_t r = c; r < n; ++r) product[c * n + r] = factored_diagonal[c * n + r];
    }
    cpu::trmm(factored_diagonal.data(), product.data(), b);
    for (std::size_t e = 0; e < n * n; ++e) residual[e] -= product[e];
  }
};

/// R(i,j) := R(i,j) - L(i,j) L^T for i > j, L the lower triangle of the factored diagonal tile L(j,j).
template <class T>
struct SubtractPanelTimesDiagonalTask {
  void operator()(int b, std::span<const T> panel, std::span<const T> factored_diagonal,
                  std::span<T> residual) const {
    std::vector<T> product(panel.begin(), panel.end());
    cpu::trmm(factored_diagonal.data(), product.data(), b);
    for (std::size_t e = 0; e < product.size(); ++e) residual[e] -= product[e];
  }
};

/// The squares of a lower tile's elements, summed in double with the weights of the full symmetric matrix.
template <class T>
double weighted_sum_of_squares(int b, std::span<const T> tile, bool on_diagonal) {
  const auto n = static_cast<std::size_t>(b);
  double sum = 0;
  for (std::size_t c = 0; c < n; ++c) {
    for (std::size_t r = on_diagonal ? c : 0; r < n; ++r) {
      const double value = static_cast<double>(tile[c * n + r]);
      sum += (on_diagonal && r == c ? 1.0 : 2.0) * value * value;
    }
  }
  return sum;
}

/// ||A - L L^T||_F / ||A||_F, where `factor` holds L and A is the seeded SPD matrix of the same order. Blocks until
/// it is computed; rethrows a task's failure.
template <class T>
double cholesky_residual(hetsched::Runtime& rt, const TileMatrix<T>& factor, std::uint64_t seed) {
  using hetsched::read;
  using hetsched::read_write;
  const int tiles = factor.tiles();
  const int b = factor.tile_size();
  TileMatrix<T> residual = make_spd_tiles<T>(rt, tiles, b, seed);

  auto sum_of_squares = rt.task([](int tile_size, bool on_diagonal, std::span<const T> tile) {
                          return weighted_sum_of_squares<T>(tile_size, tile, on_diagonal);
                        }).name("sum_of_squares");
  auto syrk = rt.task(SyrkTask<T>{}).name("residual_syrk");
  auto gemm = rt.task(GemmTask<T>{}).name("residual_gemm");
  auto diagonal_square = rt.task(SubtractDiagonalSquareTask<T>{}).name("residual_diagonal");
  auto panel_times_diagonal = rt.task(SubtractPanelTimesDiagonalTask<T>{}).name("residual_panel");

  std::vector<hetsched::ObjectRef<double>> matrix_sums;
  std::vector<hetsched::ObjectRef<double>> residual_sums;
  for (int i = 0; i < tiles; ++i) {
    for (int j = 0; j <= i; ++j) {
      const auto& r = residual.tile(i, j);
      matrix_sums.push_back(sum_of_squares.remote(b, i == j, read(r)));  // runs before the first subtraction
      for (int k = 0; k < j; ++k) {
        if (i == j) {
          syrk.remote(b, read(factor.tile(i, k)), read_write(r));
        } else {
          gemm.remote(b, read(factor.tile(i, k)), read(factor.tile(j, k)), read_write(r));
        }
      }
      if (i == j) {
        diagonal_square.remote(b, read(factor.tile(j, j)), read_write(r));
      } else {
        panel_times_diagonal.remote(b, read(factor.tile(i, j)), read(factor.tile(j, j)), read_write(r));
      }
      residual_sums.push_back(sum_of_squares.remote(b, i == j, read(r)));
    }
  }
  double matrix_total = 0;
  double residual_total = 0;
  for (double s : rt.get(std::move(matrix_sums))) matrix_total += s;
  for (double s : rt.get(std::move(residual_sums))) residual_total += s;
  return std::sqrt(residual_total) / std::sqrt(matrix_total);
}

}  // namespace cholesky
