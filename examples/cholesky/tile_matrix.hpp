// The matrix as tiles: the lower triangle of an N x N symmetric matrix cut into B x B tiles, each a hetsched Buffer
// (column-major, leading dimension B), so that tasks declare which tiles they read and write and the runtime orders
// them. The upper triangle is never stored: Cholesky reads and writes only the lower one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "spd_matrix.hpp"

namespace cholesky {

/// The lower-triangular tiles of a square matrix, tile (row, col) for row >= col, held as Buffer refs.
/// Not thread-safe (the submitting thread owns it); the tiles themselves are shared with the tasks through the runtime.
template <class T>
class TileMatrix {
 public:
  /// A ref to one tile.
  using TileRef = hetsched::ObjectRef<hetsched::Buffer<T>>;

  /// An empty matrix of `tiles` x `tiles` tiles of `tile_size` x `tile_size` elements; add() fills it.
  TileMatrix(int tiles, int tile_size) : tiles_(tiles), tile_size_(tile_size) {
    refs_.reserve(static_cast<std::size_t>(tiles) * static_cast<std::size_t>(tiles + 1) / 2);
  }

  /// Tiles per row and per column.
  int tiles() const noexcept { return tiles_; }
  /// Rows (and columns) of one tile.
  int tile_size() const noexcept { return tile_size_; }
  /// Rows (and columns) of the whole matrix.
  std::size_t order() const noexcept {
    return static_cast<std::size_t>(tiles_) * static_cast<std::size_t>(tile_size_);
  }
  /// Elements of one tile.
  std::size_t tile_elements() const noexcept {
    return static_cast<std::size_t>(tile_size_) * static_cast<std::size_t>(tile_size_);
  }

  /// Appends the next tile, in the order (0,0), (1,0), (1,1), (2,0), ...: row by row, each row up to the diagonal.
  void add(TileRef tile) { refs_.push_back(std::move(tile)); }

  /// Tile (row, col); row >= col.
  const TileRef& tile(int row, int col) const { return refs_[index(row, col)]; }

 private:
  static std::size_t index(int row, int col) noexcept {
    const auto r = static_cast<std::size_t>(row);
    return r * (r + 1) / 2 + static_cast<std::size_t>(col);
  }

  int tiles_;
  int tile_size_;
  std::vector<TileRef> refs_;
};

/// Makes the lower tiles of the seeded SPD matrix (spd_matrix.hpp), each by a task that allocates and fills its own
/// tile (in parallel, on the task's memory node), and returns once every tile is filled.
template <class T>
TileMatrix<T> make_spd_tiles(hetsched::Runtime& rt, int tiles, int tile_size, std::uint64_t seed) {
  TileMatrix<T> matrix(tiles, tile_size);
  const std::size_t order = matrix.order();
  auto generate = [](hetsched::TaskContext& ctx, int b, std::uint64_t matrix_seed, std::size_t matrix_order, int row,
                     int col) {
    auto tile = ctx.alloc<T>(static_cast<std::size_t>(b) * static_cast<std::size_t>(b));
    fill_spd_tile<T>(tile.span(), b, matrix_seed, matrix_order, row, col);
    return tile;
  };
  for (int row = 0; row < tiles; ++row) {
    for (int col = 0; col <= row; ++col) {
      matrix.add(rt.task(generate).name("generate").remote(tile_size, seed, order, row, col));
    }
  }
  for (int row = 0; row < tiles; ++row) {
    for (int col = 0; col <= row; ++col) rt.get(matrix.tile(row, col));
  }
  return matrix;
}

}  // namespace cholesky
