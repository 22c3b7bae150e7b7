// The four task bodies of the tiled Cholesky (POTRF, TRSM, SYRK, GEMM). Each receives its tiles as spans, through the
// Buffer accesses the algorithm declares (read for the tiles it only reads, read_write for the one it updates), and
// runs one kernel from cpu_kernels.hpp on the calling thread.
//
// The algorithm takes its callables from the *_task() functions at the bottom, never from the bodies directly:
// that is where each kernel's GPU body (cuBLAS/cuSOLVER on ctx.stream()) joins its CPU body once hetsched has tasks
// with several implementations (issue 11 section 3), e.g. `return hetsched::variants(PotrfTask<T>{}, gpu_potrf)`,
// with no change to the algorithm.
#pragma once

#include <span>
#include <stdexcept>
#include <string>

#include "cpu_kernels.hpp"

namespace cholesky {

/// POTRF on the diagonal tile: its lower Cholesky factor in place. Throws when the tile is not positive definite.
template <class T>
struct PotrfTask {
  void operator()(int b, std::span<T> diagonal) const {
    if (int info = cpu::potrf(diagonal.data(), b); info != 0) {
      throw std::runtime_error("POTRF: the leading minor of order " + std::to_string(info) +
                               " of a diagonal tile is not positive definite");
    }
  }
};

/// TRSM on a tile below the diagonal: panel := panel * L^-T, L the factored diagonal tile of its column.
template <class T>
struct TrsmTask {
  void operator()(int b, std::span<const T> factored_diagonal, std::span<T> panel) const {
    cpu::trsm(factored_diagonal.data(), panel.data(), b);
  }
};

/// SYRK on a trailing diagonal tile: diagonal := diagonal - panel * panel^T (lower triangle).
template <class T>
struct SyrkTask {
  void operator()(int b, std::span<const T> panel, std::span<T> diagonal) const {
    cpu::syrk(panel.data(), diagonal.data(), b);
  }
};

/// GEMM on a trailing tile below the diagonal: target := target - left * right^T, where left and right are the
/// solved panel tiles in the target's row and column.
template <class T>
struct GemmTask {
  void operator()(int b, std::span<const T> left, std::span<const T> right, std::span<T> target) const {
    cpu::gemm(left.data(), right.data(), target.data(), b);
  }
};

/// The POTRF task callable (CPU only until tasks have variants).
template <class T>
auto potrf_task() {
  return PotrfTask<T>{};
}
/// The TRSM task callable.
template <class T>
auto trsm_task() {
  return TrsmTask<T>{};
}
/// The SYRK task callable.
template <class T>
auto syrk_task() {
  return SyrkTask<T>{};
}
/// The GEMM task callable.
template <class T>
auto gemm_task() {
  return GemmTask<T>{};
}

}  // namespace cholesky
