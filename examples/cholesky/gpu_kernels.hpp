// The tile kernels on a GPU: cuSOLVER's potrf and cuBLAS's trsm, syrk and gemm on column-major b x b tiles in device
// memory (leading dimension b), enqueued on the task's stream. The same operations and arguments as cpu_kernels.hpp
// (lower triangle, the same transposes), one overload per precision. Plain functions: no CUDA header is needed to
// call them; gpu_kernels.cu is where CUDA is.
//
// Each thread keeps one cuBLAS and one cuSOLVER handle per device (the device current when it calls, which hetsched
// sets for a GPU body), made on its first call there, with cuSOLVER's potrf workspace and the info word beside them;
// every call points the handles at the stream it is given. release_gpu_resources() frees all of them.
#pragma once

#include <hetsched/task_context.hpp>

namespace cholesky::gpu {

/// POTRF: the lower Cholesky factor of the device tile `a` in place, on `stream`. Returns LAPACK's info (0 on success,
/// k > 0 when the leading minor of order k is not positive definite). It waits for `stream` to reach the end of the
/// factorisation (cudaStreamSynchronize, the only wait among these kernels) so that its info is known when the task
/// ends: see gpu_kernels.cu for why and what it costs.
int potrf(hetsched::StreamHandle stream, float* a, int b);
/// POTRF in double precision.
int potrf(hetsched::StreamHandle stream, double* a, int b);

/// TRSM: `a` := `a` * L^-T on `stream`, L the lower triangle of the factored device tile `l`. Returns once enqueued.
void trsm(hetsched::StreamHandle stream, const float* l, float* a, int b);
/// TRSM in double precision.
void trsm(hetsched::StreamHandle stream, const double* l, double* a, int b);

/// SYRK: the lower triangle of `c` := `c` - `a` * `a`^T on `stream`. Returns once enqueued.
void syrk(hetsched::StreamHandle stream, const float* a, float* c, int b);
/// SYRK in double precision.
void syrk(hetsched::StreamHandle stream, const double* a, double* c, int b);

/// GEMM: `c` := `c` - `a` * `bt`^T on `stream`. Returns once enqueued.
void gemm(hetsched::StreamHandle stream, const float* a, const float* bt, float* c, int b);
/// GEMM in double precision.
void gemm(hetsched::StreamHandle stream, const double* a, const double* bt, double* c, int b);

/// Destroys every thread's handles and frees their workspaces, on every device. Call when no kernel runs or will
/// run: after the hetsched::Runtime that ran them is destroyed. A later call makes new ones.
void release_gpu_resources() noexcept;

/// Calls release_gpu_resources() when it goes out of scope; declare it before the Runtime so that it outlives it.
class GpuResourceScope {
 public:
  /// Frees nothing yet.
  GpuResourceScope() = default;
  /// Frees every thread's handles and workspaces.
  ~GpuResourceScope() { release_gpu_resources(); }
  GpuResourceScope(const GpuResourceScope&) = delete;
  GpuResourceScope& operator=(const GpuResourceScope&) = delete;
};

}  // namespace cholesky::gpu
