// A real tiled Cholesky factorisation on hetsched: each tile a Buffer, each kernel (POTRF, TRSM, SYRK, GEMM) a task
// calling OpenBLAS/LAPACKE on one thread, the order between them left to the runtime's Buffer accesses. Prints the
// factorisation's GFlop/s and its residual ||A - L L^T||_F / ||A||_F, and fails when the residual is above a bound
// for the precision. Built with CUDA, each kernel also has a GPU body (cuBLAS/cuSOLVER on the task's stream) and the
// placement policy picks one body per call when the runtime has GPUs (--gpus N adds logical ones, where the GPU body
// runs the CPU kernel on the host); the output says how many calls ran each body.
//
//   example_cholesky --size 7680 --tile 960 [--double] [--policy pack] [--gpus 1] [--gpu-share 0.25]
//
// Files, in reading order: spd_matrix.hpp (the seeded matrix), tile_matrix.hpp (tiles as Buffers), cpu_kernels.hpp
// (BLAS/LAPACK calls), gpu_kernels.hpp (cuBLAS/cuSOLVER calls), tile_tasks.hpp (task bodies), tiled_cholesky.hpp
// (the algorithm), residual.hpp (the check).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include <hetsched/hetsched.hpp>

#include "cpu_kernels.hpp"
#include "options.hpp"
#include "residual.hpp"
#include "tile_matrix.hpp"
#include "tiled_cholesky.hpp"
#if CHOLESKY_GPU_BODIES
#include "gpu_kernels.hpp"
#endif

namespace {

// A backward-stable Cholesky of this well-conditioned matrix has a residual below the unit roundoff: seen here, 0.5 to
// 0.7 epsilon in single and in double precision, for N from 512 to 15360 and tiles from 8 to 1024. The bound leaves a
// wide margin for another summation order (another BLAS kernel) and still catches one missing tile update among the
// 680 of N = 15360, tile 960 (90 epsilon in single precision), let alone a wrong kernel.
template <class T>
double residual_bound() {
  return 16.0 * std::numeric_limits<T>::epsilon();
}

template <class T>
int factor_and_check(hetsched::Runtime& rt, const cholesky::Options& options) {
  const int tiles = options.size / options.tile;
  cholesky::TileMatrix<T> matrix = cholesky::make_spd_tiles<T>(rt, tiles, options.tile, options.seed);

  cholesky::BodyCounts counts;
  const auto start = std::chrono::steady_clock::now();
  rt.get(cholesky::submit_tiled_cholesky(rt, matrix, &counts, options.gpu_share));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long cpu_bodies = counts.cpu.load();
  const long gpu_bodies = counts.gpu.load();
  std::printf("bodies: %ld CPU, %ld GPU (%ld of them on logical GPUs, on the host)\n", cpu_bodies, gpu_bodies,
              counts.gpu_on_host.load());

  const double residual = cholesky::cholesky_residual(rt, matrix, options.seed);
  const double bound = residual_bound<T>();
  std::printf("time: %.4f s\n", seconds);
  std::printf("GFlop/s: %.2f\n", cholesky::cholesky_flops(options.size) / seconds * 1e-9);
  std::printf("residual: %.3e\n", residual);
  if (!(residual <= bound)) {
    std::fprintf(stderr, "FAILED: the residual %.3e is above the bound %.3e for this precision and order\n", residual,
                 bound);
    return 1;
  }
  if (options.expect_both_bodies && (cpu_bodies == 0 || gpu_bodies == 0)) {
    std::fprintf(stderr, "FAILED: --expect-both-bodies, but %s body ran (%ld CPU, %ld GPU)%s\n",
                 cpu_bodies == 0 ? "no CPU" : "no GPU", cpu_bodies, gpu_bodies,
                 cholesky::has_gpu_bodies ? ""
                                          : "; this build has no GPU bodies (built without CUDA or hetsched::variants)");
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tiled Cholesky factorisation on hetsched (OpenBLAS/LAPACKE kernels, one BLAS thread per task)"};
  cholesky::Options options;
  cholesky::add_options(app, options);
  CLI11_PARSE(app, argc, argv);

  cholesky::cpu::use_one_blas_thread_per_call();
#if CHOLESKY_GPU_BODIES
  // Declared before the runtime, so that the handles and workspaces go after every task that used them.
  cholesky::gpu::GpuResourceScope gpu_resources;
#endif
  try {
    hetsched::Config config;
    if (!options.policy.empty()) config.placement_policy = options.policy;
    if (options.gpus >= 0) config.num_gpus = options.gpus;
    hetsched::Runtime rt{config};
    const auto totals = rt.total_resources();
    const auto gpus = totals.find("GPU");
    char gpu_bodies[64] = "not built (no CUDA or no variants)";
    if (cholesky::has_gpu_bodies) {
      if (cholesky::runtime_has_gpus(rt)) {
        std::snprintf(gpu_bodies, sizeof gpu_bodies, "asking for %.2f GPU each", options.gpu_share);
      } else {
        std::snprintf(gpu_bodies, sizeof gpu_bodies, "unused (no GPU)");
      }
    }
    std::printf("cholesky: N=%d tile=%d (%d x %d tiles), %s precision, %.0f CPUs, %.0f GPUs (%zu real), GPU bodies %s, "
                "policy %s\n",
                options.size, options.tile, options.size / options.tile, options.size / options.tile,
                options.use_double ? "double" : "single", totals.at("CPU"), gpus == totals.end() ? 0.0 : gpus->second,
                rt.hardware().gpus.size(), gpu_bodies, options.policy.empty() ? "(default)" : options.policy.c_str());
    return options.use_double ? factor_and_check<double>(rt, options) : factor_and_check<float>(rt, options);
  } catch (const hetsched::UsageError& error) {
    std::fprintf(stderr, "hetsched::UsageError: %s\n", error.what());
    return 2;
  } catch (const hetsched::Error& error) {
    std::fprintf(stderr, "hetsched error: %s\n", error.what());
    return 1;
  }
}
