// Workload: cuSOLVER's potrf (lower) on the whole N x N matrix on GPU 0, N = 7680 and 15360 (quick: 1920), in single
// and double precision: the baseline the tiled Cholesky on hetsched (example_cholesky --gpus 1, which
// scripts/gpu-check.sh runs beside this program at the same sizes) is measured against on a GPU, as OpenBLAS's spotrf
// is on the CPUs (bench/spotrf_baseline.cpp). The matrix is the example's (examples/cholesky/spd_matrix.hpp, the same
// seed), generated on the device before each factorisation; only potrf is timed, with CUDA events around it. Reports
// GFlop/s = (N^3 / 3) / s, LAPACK's count, and fails when potrf's info is not 0. Skipped where there is no CUDA device.

#include <benchmark/benchmark.h>
#include <cuda_runtime_api.h>
#include <cusolverDn.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <hetsched/cuda/cuda_check.hpp>

#include "bench_gpu_support.cuh"
#include "bench_support.hpp"
#include "spd_matrix.hpp"

namespace {

using hetsched_bench_gpu::report_failures;
using hetsched_bench_gpu::skipped_without_gpu;

/// example_cholesky's default seed (examples/cholesky/options.hpp), so that both factor the same numbers.
constexpr std::uint64_t matrix_seed = 20240611;

/// Throws std::runtime_error naming `what` unless `status` is CUSOLVER_STATUS_SUCCESS.
void check_cusolver(cusolverStatus_t status, const char* what) {
  if (status != CUSOLVER_STATUS_SUCCESS) {
    throw std::runtime_error(std::string(what) + " failed: cusolverStatus_t " +
                             std::to_string(static_cast<int>(status)));
  }
}

/// Element (row, col) of the seeded SPD matrix, as cholesky::spd_element computes it on the host.
template <class T>
__device__ T spd_element_on_device(std::uint64_t seed, std::size_t order, std::size_t row, std::size_t col) {
  const std::size_t low = row < col ? row : col;
  const std::size_t high = row < col ? col : row;
  const std::uint64_t bits =
      cholesky::mix_bits(seed ^ cholesky::mix_bits(static_cast<std::uint64_t>(low) * order + high));
  const double unit = static_cast<double>(bits >> 11) * 0x1.0p-53;
  return static_cast<T>(row == col ? unit + static_cast<double>(order) : unit);
}

/// Fills the column-major `order` x `order` matrix `a` (a grid-stride loop).
template <class T>
__global__ void fill_spd(T* a, std::size_t order, std::uint64_t seed) {
  const std::size_t count = order * order;
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < count;
       i += std::size_t{gridDim.x} * blockDim.x) {
    a[i] = spd_element_on_device<T>(seed, order, i % order, i / order);
  }
}

// cuSOLVER names each precision's function apart; these overloads give the template one name.
cusolverStatus_t potrf_buffer_size(cusolverDnHandle_t h, int n, float* a, int* lwork) {
  return cusolverDnSpotrf_bufferSize(h, CUBLAS_FILL_MODE_LOWER, n, a, n, lwork);
}
cusolverStatus_t potrf_buffer_size(cusolverDnHandle_t h, int n, double* a, int* lwork) {
  return cusolverDnDpotrf_bufferSize(h, CUBLAS_FILL_MODE_LOWER, n, a, n, lwork);
}
cusolverStatus_t potrf(cusolverDnHandle_t h, int n, float* a, float* work, int lwork, int* info) {
  return cusolverDnSpotrf(h, CUBLAS_FILL_MODE_LOWER, n, a, n, work, lwork, info);
}
cusolverStatus_t potrf(cusolverDnHandle_t h, int n, double* a, double* work, int lwork, int* info) {
  return cusolverDnDpotrf(h, CUBLAS_FILL_MODE_LOWER, n, a, n, work, lwork, info);
}

/// A cuSOLVER dense handle on `stream`, destroyed at scope end.
class SolverHandle {
 public:
  explicit SolverHandle(cudaStream_t stream) {
    check_cusolver(cusolverDnCreate(&handle_), "cusolverDnCreate");
    if (cusolverStatus_t status = cusolverDnSetStream(handle_, stream); status != CUSOLVER_STATUS_SUCCESS) {
      cusolverDnDestroy(handle_);
      check_cusolver(status, "cusolverDnSetStream");
    }
  }
  ~SolverHandle() { cusolverDnDestroy(handle_); }
  SolverHandle(const SolverHandle&) = delete;
  SolverHandle& operator=(const SolverHandle&) = delete;
  cusolverDnHandle_t get() const noexcept { return handle_; }

 private:
  cusolverDnHandle_t handle_ = nullptr;
};

/// Two CUDA events, destroyed at scope end; elapsed() is the seconds from the first to the second.
class EventPair {
 public:
  EventPair() {
    HETSCHED_CUDA_CHECK(cudaEventCreate(&start_));
    if (cudaError_t code = cudaEventCreate(&stop_); code != cudaSuccess) {
      cudaEventDestroy(start_);
      HETSCHED_CUDA_CHECK(code);
    }
  }
  ~EventPair() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  EventPair(const EventPair&) = delete;
  EventPair& operator=(const EventPair&) = delete;
  cudaEvent_t start() const noexcept { return start_; }
  cudaEvent_t stop() const noexcept { return stop_; }
  /// Seconds between the two events, once the second has happened.
  double elapsed() const {
    HETSCHED_CUDA_CHECK(cudaEventSynchronize(stop_));
    float milliseconds = 0.0f;
    HETSCHED_CUDA_CHECK(cudaEventElapsedTime(&milliseconds, start_, stop_));
    return milliseconds * 1e-3;
  }

 private:
  cudaEvent_t start_ = nullptr;
  cudaEvent_t stop_ = nullptr;
};

void potrf_sizes(benchmark::internal::Benchmark* benchmark) {
  if (hetsched_bench::quick_mode()) {
    benchmark->Arg(1920);
  } else {
    benchmark->Arg(7680)->Arg(15360);
  }
}

template <class T>
void gpu_potrf_cusolver(benchmark::State& state) {
  if (skipped_without_gpu(state)) return;
  report_failures(state, [&] {
    const int order = static_cast<int>(state.range(0));
    const auto n = static_cast<std::size_t>(order);
    HETSCHED_CUDA_CHECK(cudaSetDevice(0));
    hetsched_bench_gpu::Streams stream(1);
    SolverHandle solver(stream[0]);
    hetsched_bench_gpu::DeviceArray<T> matrix(n * n);
    int lwork = 0;
    check_cusolver(potrf_buffer_size(solver.get(), order, matrix.data(), &lwork), "potrf_bufferSize");
    hetsched_bench_gpu::DeviceArray<T> workspace(static_cast<std::size_t>(lwork > 0 ? lwork : 1));
    hetsched_bench_gpu::DeviceArray<int> info(1);
    EventPair events;
    double total = 0.0;
    auto factor_once = [&] {
      fill_spd<T><<<1024, 256, 0, stream[0]>>>(matrix.data(), n, matrix_seed);
      HETSCHED_CUDA_CHECK(cudaGetLastError());
      HETSCHED_CUDA_CHECK(cudaEventRecord(events.start(), stream[0]));
      check_cusolver(potrf(solver.get(), order, matrix.data(), workspace.data(), lwork, info.data()), "potrf");
      HETSCHED_CUDA_CHECK(cudaEventRecord(events.stop(), stream[0]));
      const double seconds = events.elapsed();
      int host_info = 0;
      HETSCHED_CUDA_CHECK(cudaMemcpy(&host_info, info.data(), sizeof host_info, cudaMemcpyDeviceToHost));
      if (host_info != 0) throw std::runtime_error("potrf's info is " + std::to_string(host_info) + ", not 0");
      return seconds;
    };
    factor_once();  // warm-up: cuSOLVER's first call loads its kernels
    for (auto _ : state) {
      const double seconds = factor_once();
      state.SetIterationTime(seconds);
      total += seconds;
    }
    const double per_factorisation = total / static_cast<double>(state.iterations());
    const double flops = static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) / 3.0;
    state.counters["GFlop/s"] = flops / per_factorisation * 1e-9;
  });
}

}  // namespace

// Manual time: only potrf is measured, not the matrix's generation.
BENCHMARK_TEMPLATE(gpu_potrf_cusolver, float)->Apply(potrf_sizes)->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK_TEMPLATE(gpu_potrf_cusolver, double)->Apply(potrf_sizes)->Unit(benchmark::kMillisecond)->UseManualTime();
