// The test matrix: symmetric positive definite, the same for a given seed and order whatever the tiling, so that the
// tiled example, the residual check and the whole-matrix baseline in bench/ all factor the same numbers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace cholesky {

/// SplitMix64's finaliser: a well-mixed 64-bit hash of `x`.
constexpr std::uint64_t mix_bits(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// Element (row, col) of the order-`order` matrix for `seed`: a value in [0, 1) hashed from the unordered pair
/// {row, col} (so the matrix is symmetric), plus `order` on the diagonal. Every row's off-diagonal sum is below
/// order - 1, so the matrix is strictly diagonally dominant with a positive diagonal, hence positive definite. The
/// entries are all positive, so the factor's off-diagonal part is far from negligible and a missing or wrong tile
/// update shows in the residual.
template <class T>
T spd_element(std::uint64_t seed, std::size_t order, std::size_t row, std::size_t col) noexcept {
  const std::size_t low = std::min(row, col);
  const std::size_t high = std::max(row, col);
  const std::uint64_t bits = mix_bits(seed ^ mix_bits(static_cast<std::uint64_t>(low) * order + high));
  const double unit = static_cast<double>(bits >> 11) * 0x1.0p-53;  // uniform in [0, 1)
  return static_cast<T>(row == col ? unit + static_cast<double>(order) : unit);
}

/// Fills the column-major `tile_size` x `tile_size` tile at tile coordinates (tile_row, tile_col).
template <class T>
void fill_spd_tile(std::span<T> tile, int tile_size, std::uint64_t seed, std::size_t order, int tile_row,
                   int tile_col) noexcept {
  const auto b = static_cast<std::size_t>(tile_size);
  const std::size_t first_row = static_cast<std::size_t>(tile_row) * b;
  const std::size_t first_col = static_cast<std::size_t>(tile_col) * b;
  for (std::size_t c = 0; c < b; ++c) {
    for (std::size_t r = 0; r < b; ++r) tile[c * b + r] = spd_element<T>(seed, order, first_row + r, first_col + c);
  }
}

}  // namespace cholesky
