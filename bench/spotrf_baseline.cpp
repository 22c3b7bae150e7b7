// The ceiling for bench/cholesky_vs_starpu.sh: OpenBLAS's own Cholesky (spotrf, or dpotrf with --double) on the whole
// matrix, parallelised by OpenBLAS itself with --threads threads, on the same seeded SPD matrix as example_cholesky.
// Prints `GFlop/s: X` (n^3 / 3 operations, as the example counts them).
//
//   bench_spotrf_baseline --size 7680 [--threads 2] [--double]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include <CLI/CLI.hpp>
#include <cblas.h>
#include <lapacke.h>

#include "spd_matrix.hpp"

namespace {

int potrf(float* a, int n) { return LAPACKE_spotrf_work(LAPACK_COL_MAJOR, 'L', n, a, n); }
int potrf(double* a, int n) { return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', n, a, n); }

template <class T>
int run(int size, std::uint64_t seed) {
  const auto n = static_cast<std::size_t>(size);
  std::vector<T> matrix(n * n);
  for (std::size_t c = 0; c < n; ++c) {
    for (std::size_t r = 0; r < n; ++r) matrix[c * n + r] = cholesky::spd_element<T>(seed, n, r, c);
  }
  const auto start = std::chrono::steady_clock::now();
  const int info = potrf(matrix.data(), size);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (info != 0) {
    std::fprintf(stderr, "potrf failed: info %d\n", info);
    return 1;
  }
  const double order = static_cast<double>(size);
  std::printf("time: %.4f s\n", seconds);
  std::printf("GFlop/s: %.2f\n", order * order * order / 3.0 / seconds * 1e-9);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"OpenBLAS potrf on the whole matrix: the baseline of bench/cholesky_vs_starpu.sh"};
  int size = 7680;
  int threads = 2;
  bool use_double = false;
  std::uint64_t seed = 20240611;  // example_cholesky's default
  app.add_option("--size", size, "order N of the matrix")->check(CLI::PositiveNumber);
  app.add_option("--threads", threads, "OpenBLAS threads")->check(CLI::PositiveNumber);
  app.add_flag("--double", use_double, "double precision (default: single)");
  app.add_option("--seed", seed, "seed of the generated SPD matrix");
  CLI11_PARSE(app, argc, argv);

  openblas_set_num_threads(threads);
  std::printf("potrf: N=%d, %s precision, %d OpenBLAS threads\n", size, use_double ? "double" : "single", threads);
  return use_double ? run<double>(size, seed) : run<float>(size, seed);
}
