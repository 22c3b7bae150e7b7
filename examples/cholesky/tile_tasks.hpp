// The four task bodies of the tiled Cholesky (POTRF, TRSM, SYRK, GEMM). Each receives its tiles as spans, through the
// Buffer accesses the algorithm declares (read for the tiles it only reads, read_write for the one it updates), and
// runs one kernel on the calling thread (a CPU body, cpu_kernels.hpp) or enqueues it on the task's stream (a GPU
// body, gpu_kernels.hpp).
//
// The algorithm takes its callables from the *_task() functions at the bottom. Built with CUDA
// (CHOLESKY_GPU_BODIES), each returns hetsched::variants(CPU body, GPU body) and the placement policy picks one per
// call; the GPU body runs cuBLAS/cuSOLVER on ctx.stream() on a real GPU, and the CPU kernel on the host on a logical
// GPU (null stream), so the choice between bodies is exercised without a GPU. Built without CUDA they return the CPU
// bodies alone.
#pragma once

#include <atomic>
#include <span>
#include <stdexcept>
#include <string>

#include <hetsched/hetsched.hpp>

#include "cpu_kernels.hpp"
#if CHOLESKY_GPU_BODIES
#include "gpu_kernels.hpp"
#endif

namespace cholesky {

/// How many calls ran each body; the factorisation's bodies count into one, the residual check's (no counter) not.
struct BodyCounts {
  std::atomic<long> cpu{0};          ///< CPU bodies.
  std::atomic<long> gpu{0};          ///< GPU bodies, on a real GPU or a logical one.
  std::atomic<long> gpu_on_host{0};  ///< Of those, the ones on a logical GPU (null stream: the CPU kernel ran).
};

/// Counts one call of the CPU body in `counts`, when there is one.
inline void count_cpu_body(BodyCounts* counts) noexcept {
  if (counts != nullptr) counts->cpu.fetch_add(1, std::memory_order_relaxed);
}
/// Counts one call of the GPU body in `counts`, when there is one; `on_host` for a logical GPU.
inline void count_gpu_body(BodyCounts* counts, bool on_host) noexcept {
  if (counts == nullptr) return;
  counts->gpu.fetch_add(1, std::memory_order_relaxed);
  if (on_host) counts->gpu_on_host.fetch_add(1, std::memory_order_relaxed);
}

/// Throws unless POTRF's LAPACK `info` says the tile was factored.
inline void require_factored(int info) {
  if (info != 0) {
    throw std::runtime_error("POTRF: the leading minor of order " + std::to_string(info) +
                             " of a diagonal tile is not positive definite");
  }
}

/// POTRF on the diagonal tile: its lower Cholesky factor in place. Throws when the tile is not positive definite.
template <class T>
struct PotrfTask {
  BodyCounts* counts = nullptr;  ///< Where the call is counted; none when null.
  void operator()(int b, std::span<T> diagonal) const {
    count_cpu_body(counts);
    require_factored(cpu::potrf(diagonal.data(), b));
  }
};

/// TRSM on a tile below the diagonal: panel := panel * L^-T, L the factored diagonal tile of its column.
template <class T>
struct TrsmTask {
  BodyCounts* counts = nullptr;  ///< Where the call is counted; none when null.
  void operator()(int b, std::span<const T> factored_diagonal, std::span<T> panel) const {
    count_cpu_body(counts);
    cpu::trsm(factored_diagonal.data(), panel.data(), b);
  }
};

/// SYRK on a trailing diagonal tile: diagonal := diagonal - panel * panel^T (lower triangle).
template <class T>
struct SyrkTask {
  BodyCounts* counts = nullptr;  ///< Where the call is counted; none when null.
  void operator()(int b, std::span<const T> panel, std::span<T> diagonal) const {
    count_cpu_body(counts);
    cpu::syrk(panel.data(), diagonal.data(), b);
  }
};

/// GEMM on a trailing tile below the diagonal: target := target - left * right^T, where left and right are the
/// solved panel tiles in the target's row and column.
template <class T>
struct GemmTask {
  BodyCounts* counts = nullptr;  ///< Where the call is counted; none when null.
  void operator()(int b, std::span<const T> left, std::span<const T> right, std::span<T> target) const {
    count_cpu_body(counts);
    cpu::gemm(left.data(), right.data(), target.data(), b);
  }
};

#if CHOLESKY_GPU_BODIES
/// POTRF's GPU body: cuSOLVER on the task's stream (it waits for the factorisation, to check its info), or the CPU
/// kernel on a logical GPU.
template <class T>
struct GpuPotrfTask {
  BodyCounts* counts = nullptr;  ///< Where the call is counted; none when null.
  void operator()(hetsched::TaskContext& ctx, int b, std::span<T> diagonal) const {
    count_gpu_body(counts, ctx.stream() == nullptr);
    require_factored(ctx.stream() == nullptr ? cpu::potrf(diagonal.data(), b)
                                             : gpu::potrf(ctx.stream(), diagonal.data(), b));
  }
};

/// TRSM's GPU body: cuBLAS enqueued on the task's stream, or the CPU kernel on a logical GPU.
template <class T>
struct GpuTrsmTask {
  BodyCounts* counts = nullptr;  ///< Where the call is counted; none when null.
  void operator()(hetsched::TaskContext& ctx, int b, std::span<const T> factored_diagonal,
                  std::span<T> panel) const {
    count_gpu_body(counts, ctx.stream() == nullptr);
    if (ctx.stream() == nullptr) {
      cpu::trsm(factored_diagonal.data(), panel.data(), b);
    } else {
      gpu::trsm(ctx.stream(), factored_diagonal.data(), panel.data(), b);
    }
  }
};

/// SYRK's GPU body: cuBLAS enqueued on the task's stream, or the CPU kernel on a logical GPU.
template <class T>
struct GpuSyrkTask {
  BodyCounts* counts = nullptr;  ///< Where the call is counted; none when null.
  void operator()(hetsched::TaskContext& ctx, int b, std::span<const T> panel, std::span<T> diagonal) const {
    count_gpu_body(counts, ctx.stream() == nullptr);
    if (ctx.stream() == nullptr) {
      cpu::syrk(panel.data(), diagonal.data(), b);
    } else {
      gpu::syrk(ctx.stream(), panel.data(), diagonal.data(), b);
    }
  }
};

/// GEMM's GPU body: cuBLAS enqueued on the task's stream, or the CPU kernel on a logical GPU.
template <class T>
struct GpuGemmTask {
  BodyCounts* counts = nullptr;  ///< Where the call is counted; none when null.
  void operator()(hetsched::TaskContext& ctx, int b, std::span<const T> left, std::span<const T> right,
                  std::span<T> target) const {
    count_gpu_body(counts, ctx.stream() == nullptr);
    if (ctx.stream() == nullptr) {
      cpu::gemm(left.data(), right.data(), target.data(), b);
    } else {
      gpu::gemm(ctx.stream(), left.data(), right.data(), target.data(), b);
    }
  }
};

/// True: this build has GPU bodies, and the *_task() functions return hetsched::variants.
inline constexpr bool has_gpu_bodies = true;

/// The POTRF task callable: its CPU and GPU bodies, counting into `counts`.
template <class T>
auto potrf_task(BodyCounts* counts = nullptr) {
  return hetsched::variants(PotrfTask<T>{counts}, GpuPotrfTask<T>{counts});
}
/// The TRSM task callable: its CPU and GPU bodies.
template <class T>
auto trsm_task(BodyCounts* counts = nullptr) {
  return hetsched::variants(TrsmTask<T>{counts}, GpuTrsmTask<T>{counts});
}
/// The SYRK task callable: its CPU and GPU bodies.
template <class T>
auto syrk_task(BodyCounts* counts = nullptr) {
  return hetsched::variants(SyrkTask<T>{counts}, GpuSyrkTask<T>{counts});
}
/// The GEMM task callable: its CPU and GPU bodies.
template <class T>
auto gemm_task(BodyCounts* counts = nullptr) {
  return hetsched::variants(GemmTask<T>{counts}, GpuGemmTask<T>{counts});
}
#else
/// False: this build has CPU bodies only, and the *_task() functions return them.
inline constexpr bool has_gpu_bodies = false;

/// The POTRF task callable (CPU only: built without CUDA), counting into `counts`.
template <class T>
auto potrf_task(BodyCounts* counts = nullptr) {
  return PotrfTask<T>{counts};
}
/// The TRSM task callable.
template <class T>
auto trsm_task(BodyCounts* counts = nullptr) {
  return TrsmTask<T>{counts};
}
/// The SYRK task callable.
template <class T>
auto syrk_task(BodyCounts* counts = nullptr) {
  return SyrkTask<T>{counts};
}
/// The GEMM task callable.
template <class T>
auto gemm_task(BodyCounts* counts = nullptr) {
  return GemmTask<T>{counts};
}
#endif

}  // namespace cholesky
