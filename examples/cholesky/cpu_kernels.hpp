// The tile kernels on a CPU: thin overloads over CBLAS and LAPACKE (OpenBLAS), one per precision, each working on
// column-major b x b tiles with leading dimension b. The task bodies (tile_tasks.hpp) call these; the GPU kernels
// (cuBLAS/cuSOLVER on ctx.stream(), issue 11 section 3) will sit beside them in a file of their own.
#pragma once

#include <cblas.h>
#include <lapacke.h>

namespace cholesky::cpu {

/// POTRF: the lower Cholesky factor of the diagonal tile `a` in place (its upper triangle is left as it was).
/// Returns LAPACK's info: 0 on success, k > 0 when the leading minor of order k is not positive definite.
inline int potrf(float* a, int b) { return LAPACKE_spotrf_work(LAPACK_COL_MAJOR, 'L', b, a, b); }
/// POTRF in double precision.
inline int potrf(double* a, int b) { return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', b, a, b); }

/// TRSM: `a` := `a` * L^-T, where L is the lower triangle of the factored diagonal tile `l`.
inline void trsm(const float* l, float* a, int b) {
  cblas_strsm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, b, b, 1.0f, l, b, a, b);
}
/// TRSM in double precision.
inline void trsm(const double* l, double* a, int b) {
  cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, b, b, 1.0, l, b, a, b);
}

/// SYRK: the lower triangle of `c` := `c` - `a` * `a`^T.
inline void syrk(const float* a, float* c, int b) {
  cblas_ssyrk(CblasColMajor, CblasLower, CblasNoTrans, b, b, -1.0f, a, b, 1.0f, c, b);
}
/// SYRK in double precision.
inline void syrk(const double* a, double* c, int b) {
  cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, b, b, -1.0, a, b, 1.0, c, b);
}

/// GEMM: `c` := `c` - `a` * `bt`^T.
inline void gemm(const float* a, const float* bt, float* c, int b) {
  cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, b, b, b, -1.0f, a, b, bt, b, 1.0f, c, b);
}
/// GEMM in double precision.
inline void gemm(const double* a, const double* bt, double* c, int b) {
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, b, b, b, -1.0, a, b, bt, b, 1.0, c, b);
}

/// TRMM: `x` := `x` * L^T, where L is the lower triangle of `l` (for the residual check).
inline void trmm(const float* l, float* x, int b) {
  cblas_strmm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, b, b, 1.0f, l, b, x, b);
}
/// TRMM in double precision.
inline void trmm(const double* l, double* x, int b) {
  cblas_dtrmm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, b, b, 1.0, l, b, x, b);
}

/// Makes OpenBLAS run each call on the calling thread alone: the runtime's tasks provide the parallelism, and a
/// BLAS that also spawned threads would oversubscribe the cores. Call once, before the first task.
inline void use_one_blas_thread_per_call() { openblas_set_num_threads(1); }

}  // namespace cholesky::cpu
