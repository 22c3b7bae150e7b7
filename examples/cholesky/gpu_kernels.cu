// The GPU tile kernels (gpu_kernels.hpp) on cuBLAS and cuSOLVER, and the per-thread, per-device handles and buffers
// they use.
//
// POTRF's info: cuSOLVER writes it to device memory, and the task must fail when it is not 0 (as the CPU body does),
// before the TRSMs of its column run on a wrong factor. POTRF copies it into pinned host memory on the task's stream
// and waits for that stream (cudaStreamSynchronize), then returns it. Why a wait rather than an asynchronous check in a
// later step: the failure then belongs to the POTRF task itself, with the same message as on a CPU, and it is known
// before any task reads the tile; and the thread's workspace and info word are idle again when POTRF returns, so the
// next POTRF on this thread (on another stream) can reuse them, or grow the workspace, without an event to wait on.
// The cost: one wait per tile column (N/B of them per factorisation, 16 at N = 15360, B = 960), each blocking the
// body's thread for one POTRF (well under a millisecond for B = 960 on a recent GPU) plus the copies enqueued ahead of
// it on that stream. POTRF is on the critical path: no TRSM of its column can start before it ends anyway, so only
// unrelated work that this thread would have enqueued meanwhile is delayed. TRSM, SYRK and GEMM never wait.
//
// cuBLAS's workspace: one handle serves every stream its thread is given, and a body returns before its kernels end,
// so the thread's next call may run on another stream while the last one's kernels still use the handle's workspace.
// The workspace is therefore per stream instead (cublasSetWorkspace after each cublasSetStream, which resets it):
// kernels on one stream never overlap, whichever thread enqueued them, so the threads share a stream's workspace,
// and the memory taken is the runtime's few streams per device times blas_workspace_bytes.
#include "gpu_kernels.hpp"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cusolverDn.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <hetsched/cuda/cuda_check.hpp>

namespace cholesky::gpu {
namespace {

/// Throws std::runtime_error naming `call` unless `status` is CUBLAS_STATUS_SUCCESS.
void check_cublas(cublasStatus_t status, const char* call) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw std::runtime_error(std::string(call) + " failed: " + cublasGetStatusName(status) + " (" +
                             cublasGetStatusString(status) + ")");
  }
}

/// Throws std::runtime_error naming `call` unless `status` is CUSOLVER_STATUS_SUCCESS.
void check_cusolver(cusolverStatus_t status, const char* call) {
  if (status != CUSOLVER_STATUS_SUCCESS) {
    throw std::runtime_error(std::string(call) + " failed: cusolverStatus_t " +
                             std::to_string(static_cast<int>(status)));
  }
}

#define CHOLESKY_CUBLAS_CHECK(expr) check_cublas((expr), #expr)
#define CHOLESKY_CUSOLVER_CHECK(expr) check_cusolver((expr), #expr)

/// cuBLAS's workspace per stream: the size cuBLAS's documentation recommends for Hopper and later (4 MiB before);
/// cuBLAS picks algorithms that fit in what it is given.
constexpr std::size_t blas_workspace_bytes = std::size_t{32} << 20;

/// One thread's handles and buffers on one device. Made empty and owned by the registry before its members are
/// created, so that a creation that throws leaves nothing behind that the destructor does not free.
struct DeviceResources {
  int device = 0;
  cublasHandle_t blas = nullptr;
  cusolverDnHandle_t solver = nullptr;
  void* workspace = nullptr;  ///< cuSOLVER's potrf workspace, grown to the largest asked for.
  std::size_t workspace_bytes = 0;
  int* device_info = nullptr;  ///< potrf's info, written by cuSOLVER.
  int* host_info = nullptr;    ///< Pinned: where the info is copied to.
  /// potrf's workspace in elements, per (element size, tile order), queried once per handle.
  std::map<std::pair<std::size_t, int>, int> potrf_lwork;

  DeviceResources() = default;
  DeviceResources(const DeviceResources&) = delete;
  DeviceResources& operator=(const DeviceResources&) = delete;

  /// Creates the handles and the info words on `on_device`, the current device.
  void create(int on_device) {
    device = on_device;
    CHOLESKY_CUBLAS_CHECK(cublasCreate(&blas));
    CHOLESKY_CUSOLVER_CHECK(cusolverDnCreate(&solver));
    HETSCHED_CUDA_CHECK(cudaMalloc(&device_info, sizeof(int)));
    HETSCHED_CUDA_CHECK(cudaMallocHost(&host_info, sizeof(int)));
  }

  /// Frees everything on its own device, restoring the caller's; errors are ignored (nothing can be done at the
  /// end) and cleared so that they do not surface in a later, unrelated call.
  ~DeviceResources() {
    int previous = -1;
    const bool switched = cudaGetDevice(&previous) == cudaSuccess && previous != device &&
                          cudaSetDevice(device) == cudaSuccess;
    if (solver != nullptr) cusolverDnDestroy(solver);
    if (blas != nullptr) cublasDestroy(blas);
    if (workspace != nullptr) cudaFree(workspace);
    if (device_info != nullptr) cudaFree(device_info);
    if (host_info != nullptr) cudaFreeHost(host_info);
    if (switched) cudaSetDevice(previous);
    cudaGetLastError();
  }

  /// At least `bytes` of workspace. Only POTRF uses it, and POTRF waits for its stream before it returns, so no
  /// kernel of this thread still reads the old one when it is replaced.
  void* potrf_workspace_of(std::size_t bytes) {
    if (bytes > workspace_bytes) {
      if (workspace != nullptr) HETSCHED_CUDA_CHECK(cudaFree(workspace));
      workspace = nullptr;
      workspace_bytes = 0;
      HETSCHED_CUDA_CHECK(cudaMalloc(&workspace, bytes));
      workspace_bytes = bytes;
    }
    return workspace;
  }
};

/// cuBLAS's workspace of one stream (on the stream's device), shared by the threads that enqueue there.
struct StreamWorkspace {
  int device = 0;
  void* memory = nullptr;

  StreamWorkspace() = default;
  StreamWorkspace(const StreamWorkspace&) = delete;
  StreamWorkspace& operator=(const StreamWorkspace&) = delete;
  /// Frees the memory on its own device, restoring the caller's; errors are ignored and cleared.
  ~StreamWorkspace() {
    if (memory == nullptr) return;
    int previous = -1;
    const bool switched = cudaGetDevice(&previous) == cudaSuccess && previous != device &&
                          cudaSetDevice(device) == cudaSuccess;
    cudaFree(memory);
    if (switched) cudaSetDevice(previous);
    cudaGetLastError();
  }
};

/// Every thread's DeviceResources and every stream's cuBLAS workspace, so that release_gpu_resources() can free them
/// from one thread, at a time of the program's choosing (a thread_local destructor would run at the thread's exit,
/// which for a pool's threads may come after the CUDA runtime has been torn down, or never). A generation number
/// tells the threads' caches that their pointers were freed.
class Registry {
 public:
  /// A new, empty DeviceResources owned by the registry.
  DeviceResources& add() {
    std::lock_guard lock(mutex_);
    all_.push_back(std::make_unique<DeviceResources>());
    return *all_.back();
  }
  /// The cuBLAS workspace of `stream`, whose device `device` is current, made on first use.
  void* blas_workspace(cudaStream_t stream, int device) {
    std::lock_guard lock(mutex_);
    auto [slot, inserted] = workspaces_.try_emplace(stream);
    if (inserted) {
      slot->second = std::make_unique<StreamWorkspace>();
      slot->second->device = device;
      if (cudaError_t code = cudaMalloc(&slot->second->memory, blas_workspace_bytes); code != cudaSuccess) {
        workspaces_.erase(slot);
        HETSCHED_CUDA_CHECK(code);
      }
    }
    return slot->second->memory;
  }
  /// Frees every DeviceResources and workspace and starts a new generation.
  void release() noexcept {
    std::lock_guard lock(mutex_);
    all_.clear();
    workspaces_.clear();
    generation_.fetch_add(1, std::memory_order_release);
  }
  /// Changes on each release().
  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<DeviceResources>> all_;
  std::map<cudaStream_t, std::unique_ptr<StreamWorkspace>> workspaces_;
  std::atomic<std::uint64_t> generation_{1};
};

/// Never destroyed: what it holds is freed by release_gpu_resources(), before the CUDA runtime's own teardown.
Registry& registry() {
  static Registry* const instance = new Registry;
  return *instance;
}

/// This thread's resources per device index, and the workspaces of the streams it was given, valid while
/// `generation` is the registry's.
struct ThreadCache {
  std::uint64_t generation = 0;
  std::vector<DeviceResources*> by_device;
  std::map<cudaStream_t, void*> workspaces;
};

thread_local ThreadCache thread_cache;

/// The calling thread's resources on the current device, made on first use.
DeviceResources& resources_here() {
  ThreadCache& cache = thread_cache;
  int device = 0;
  HETSCHED_CUDA_CHECK(cudaGetDevice(&device));
  const std::uint64_t generation = registry().generation();
  if (cache.generation != generation) {
    cache.by_device.clear();
    cache.workspaces.clear();
    cache.generation = generation;
  }
  const auto index = static_cast<std::size_t>(device);
  if (index >= cache.by_device.size()) cache.by_device.resize(index + 1, nullptr);
  if (cache.by_device[index] == nullptr) {
    DeviceResources& made = registry().add();
    made.create(device);  // on a throw, the registry still frees what was made
    cache.by_device[index] = &made;
  }
  return *cache.by_device[index];
}

/// The calling thread's cuBLAS handle on the current device, set to `stream` and to that stream's workspace.
cublasHandle_t blas_on(hetsched::StreamHandle stream) {
  DeviceResources& here = resources_here();  // first: it brings the thread's cache up to the registry's generation
  auto [slot, inserted] = thread_cache.workspaces.try_emplace(stream, nullptr);
  if (inserted) {
    try {
      slot->second = registry().blas_workspace(stream, here.device);
    } catch (...) {
      thread_cache.workspaces.erase(slot);
      throw;
    }
  }
  CHOLESKY_CUBLAS_CHECK(cublasSetStream(here.blas, stream));
  CHOLESKY_CUBLAS_CHECK(cublasSetWorkspace(here.blas, slot->second, blas_workspace_bytes));
  return here.blas;
}

// cuSOLVER and cuBLAS name each precision's function apart; these overloads give the templates one name.
cusolverStatus_t potrf_buffer_size(cusolverDnHandle_t h, float* a, int b, int* lwork) {
  return cusolverDnSpotrf_bufferSize(h, CUBLAS_FILL_MODE_LOWER, b, a, b, lwork);
}
cusolverStatus_t potrf_buffer_size(cusolverDnHandle_t h, double* a, int b, int* lwork) {
  return cusolverDnDpotrf_bufferSize(h, CUBLAS_FILL_MODE_LOWER, b, a, b, lwork);
}
cusolverStatus_t potrf_call(cusolverDnHandle_t h, float* a, int b, float* work, int lwork, int* info) {
  return cusolverDnSpotrf(h, CUBLAS_FILL_MODE_LOWER, b, a, b, work, lwork, info);
}
cusolverStatus_t potrf_call(cusolverDnHandle_t h, double* a, int b, double* work, int lwork, int* info) {
  return cusolverDnDpotrf(h, CUBLAS_FILL_MODE_LOWER, b, a, b, work, lwork, info);
}

template <class T>
int potrf_on(hetsched::StreamHandle stream, T* a, int b) {
  DeviceResources& here = resources_here();
  CHOLESKY_CUSOLVER_CHECK(cusolverDnSetStream(here.solver, stream));
  auto [slot, inserted] = here.potrf_lwork.try_emplace({sizeof(T), b}, 0);
  if (inserted) {
    try {
      CHOLESKY_CUSOLVER_CHECK(potrf_buffer_size(here.solver, a, b, &slot->second));
    } catch (...) {
      here.potrf_lwork.erase(slot);
      throw;
    }
  }
  const int lwork = slot->second;
  T* work = static_cast<T*>(here.potrf_workspace_of(static_cast<std::size_t>(lwork) * sizeof(T)));
  CHOLESKY_CUSOLVER_CHECK(potrf_call(here.solver, a, b, work, lwork, here.device_info));
  HETSCHED_CUDA_CHECK(cudaMemcpyAsync(here.host_info, here.device_info, sizeof(int), cudaMemcpyDeviceToHost, stream));
  HETSCHED_CUDA_CHECK(cudaStreamSynchronize(stream));
  return *here.host_info;
}

}  // namespace

int potrf(hetsched::StreamHandle stream, float* a, int b) { return potrf_on(stream, a, b); }
int potrf(hetsched::StreamHandle stream, double* a, int b) { return potrf_on(stream, a, b); }

void trsm(hetsched::StreamHandle stream, const float* l, float* a, int b) {
  const float one = 1.0f;
  CHOLESKY_CUBLAS_CHECK(cublasStrsm(blas_on(stream), CUBLAS_SIDE_RIGHT, CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_T,
                                    CUBLAS_DIAG_NON_UNIT, b, b, &one, l, b, a, b));
}
void trsm(hetsched::StreamHandle stream, const double* l, double* a, int b) {
  const double one = 1.0;
  CHOLESKY_CUBLAS_CHECK(cublasDtrsm(blas_on(stream), CUBLAS_SIDE_RIGHT, CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_T,
                                    CUBLAS_DIAG_NON_UNIT, b, b, &one, l, b, a, b));
}

void syrk(hetsched::StreamHandle stream, const float* a, float* c, int b) {
  const float minus_one = -1.0f;
  const float one = 1.0f;
  CHOLESKY_CUBLAS_CHECK(
      cublasSsyrk(blas_on(stream), CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_N, b, b, &minus_one, a, b, &one, c, b));
}
void syrk(hetsched::StreamHandle stream, const double* a, double* c, int b) {
  const double minus_one = -1.0;
  const double one = 1.0;
  CHOLESKY_CUBLAS_CHECK(
      cublasDsyrk(blas_on(stream), CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_N, b, b, &minus_one, a, b, &one, c, b));
}

void gemm(hetsched::StreamHandle stream, const float* a, const float* bt, float* c, int b) {
  const float minus_one = -1.0f;
  const float one = 1.0f;
  CHOLESKY_CUBLAS_CHECK(cublasSgemm(blas_on(stream), CUBLAS_OP_N, CUBLAS_OP_T, b, b, b, &minus_one, a, b, bt, b, &one,
                                    c, b));
}
void gemm(hetsched::StreamHandle stream, const double* a, const double* bt, double* c, int b) {
  const double minus_one = -1.0;
  const double one = 1.0;
  CHOLESKY_CUBLAS_CHECK(cublasDgemm(blas_on(stream), CUBLAS_OP_N, CUBLAS_OP_T, b, b, b, &minus_one, a, b, bt, b, &one,
                                    c, b));
}

void release_gpu_resources() noexcept { registry().release(); }

}  // namespace cholesky::gpu
