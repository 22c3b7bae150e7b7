/// @file bench_gpu_support.cuh
/// @brief What the GPU benchmark programs share: the skip where there is no CUDA device, runtimes on GPU 0 or on a
/// logical GPU, failures reported as the benchmark's error, device and pinned memory for the baselines, and the
/// store's byte counters. Needs nvcc (the programs that include it launch kernels).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <hetsched/cuda/cuda_check.hpp>
#include <hetsched/hetsched.hpp>

#include "bench_support.hpp"

namespace hetsched_bench_gpu {

/// Why there is no usable CUDA device here, in one line starting "no CUDA device"; nothing when there is one.
/// Detected once.
inline const std::optional<std::string>& missing_gpu_reason() {
  static const std::optional<std::string> reason = []() -> std::optional<std::string> {
    hetsched::HardwareInfo hardware = hetsched::detect_hardware();
    if (!hardware.gpus.empty()) return std::nullopt;
    const std::string prefix = "no CUDA device";
    return hardware.gpu_note.rfind(prefix, 0) == 0 ? hardware.gpu_note : prefix + ": " + hardware.gpu_note;
  }();
  return reason;
}

/// Marks the benchmark skipped with `message`: SkipWithMessage where Google Benchmark has it (1.8 and later), else
/// SkipWithError (1.7 has nothing else; its run still exits 0 and prints the message).
template <class State>
void skip(State& state, const std::string& message) {
  if constexpr (requires { state.SkipWithMessage(message); }) {
    state.SkipWithMessage(message);
  } else {
    state.SkipWithError(message.c_str());
  }
}

/// Skips the benchmark where there is no CUDA device; true when it did.
inline bool skipped_without_gpu(benchmark::State& state) {
  if (const auto& reason = missing_gpu_reason()) {
    skip(state, *reason);
    return true;
  }
  return false;
}

/// Runs a benchmark's body; an exception (a CUDA error, a failed task, a wrong count) becomes the benchmark's error
/// instead of ending the program, so the other benchmarks still run.
template <class Body>
void report_failures(benchmark::State& state, Body&& body) {
  try {
    body();
  } catch (const std::exception& error) {
    state.SkipWithError(error.what());
  }
}

/// GPU 0 only (every GPU task lands there), `num_cpus` CPU slots, environment ignored.
inline hetsched::Config gpu0_config(int num_cpus = 4) {
  hetsched::Config config = hetsched_bench::config_with_cpus(num_cpus);
  config.num_gpus = 1;
  return config;
}

/// Throws unless a GPU task of `runtime` gets a CUDA stream, that is, runs on a real GPU: the figures of a GPU
/// benchmark would mean nothing otherwise.
inline void require_real_gpu(hetsched::Runtime& runtime) {
  auto stream = runtime.get(runtime.task([](hetsched::TaskContext& ctx) { return ctx.stream(); }).gpus(1).remote());
  if (stream == nullptr) throw std::runtime_error("a task on GPU 0 got no CUDA stream: it did not run on a real GPU");
}

/// A runtime whose last GPU is logical (host memory standing in for device memory, `capacity` bytes of it) even
/// where real GPUs exist: num_gpus is one more than the real GPUs, and an idle actor holds every real GPU for its
/// life (a whole-GPU demand takes the lowest free indices), so a .gpus(1) task can only land on the logical one.
/// Tasks should still check ctx.gpu_ids() against logical_gpu().
class LogicalGpuRuntime {
 public:
  explicit LogicalGpuRuntime(std::size_t capacity, int num_cpus = 2) {
    const int real_gpus = static_cast<int>(hetsched::detect_hardware().gpus.size());
    hetsched::Config config = hetsched_bench::config_with_cpus(num_cpus);
    config.num_gpus = real_gpus + 1;
    config.logical_gpu_memory = capacity;
    runtime_ = std::make_unique<hetsched::Runtime>(config);
    logical_gpu_ = real_gpus;
    if (real_gpus > 0) {
      real_gpu_holder_ = runtime_->actor<RealGpuHolder>().cpus(0).gpus(real_gpus).name("real GPU holder").remote();
    }
  }

  hetsched::Runtime& runtime() noexcept { return *runtime_; }
  /// The index of the logical GPU.
  int logical_gpu() const noexcept { return logical_gpu_; }

 private:
  struct RealGpuHolder {};

  std::unique_ptr<hetsched::Runtime> runtime_;
  hetsched::ActorHandle<RealGpuHolder> real_gpu_holder_;  // declared after the runtime: dropped first
  int logical_gpu_ = 0;
};

/// Bytes the store has copied between memory nodes, all directions together.
inline std::size_t bytes_moved(const hetsched::StoreStats& stats) {
  return stats.bytes_host_to_device + stats.bytes_device_to_host + stats.bytes_device_to_device;
}

/// `count` elements of T in device memory of the current device (not zeroed), freed at scope end.
template <class T>
class DeviceArray {
 public:
  explicit DeviceArray(std::size_t count) { HETSCHED_CUDA_CHECK(cudaMalloc(&data_, count * sizeof(T))); }
  ~DeviceArray() {
    if (cudaFree(data_) != cudaSuccess) cudaGetLastError();
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  T* data() const noexcept { return data_; }

 private:
  T* data_ = nullptr;
};

/// `bytes` of pinned host memory, freed at scope end.
class PinnedBytes {
 public:
  explicit PinnedBytes(std::size_t bytes) { HETSCHED_CUDA_CHECK(cudaMallocHost(&data_, bytes)); }
  ~PinnedBytes() {
    if (cudaFreeHost(data_) != cudaSuccess) cudaGetLastError();
  }
  PinnedBytes(const PinnedBytes&) = delete;
  PinnedBytes& operator=(const PinnedBytes&) = delete;
  void* data() const noexcept { return data_; }

 private:
  void* data_ = nullptr;
};

/// Non-blocking streams on the current device, destroyed at scope end.
class Streams {
 public:
  explicit Streams(int count) {
    for (int i = 0; i < count; ++i) {
      cudaStream_t stream = nullptr;
      HETSCHED_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
      streams_.push_back(stream);
    }
  }
  ~Streams() {
    for (cudaStream_t stream : streams_) {
      if (cudaStreamDestroy(stream) != cudaSuccess) cudaGetLastError();
    }
  }
  Streams(const Streams&) = delete;
  Streams& operator=(const Streams&) = delete;

  cudaStream_t operator[](std::size_t index) const { return streams_[index % streams_.size()]; }
  std::size_t size() const noexcept { return streams_.size(); }
  /// Waits for every stream.
  void synchronize() const {
    for (cudaStream_t stream : streams_) HETSCHED_CUDA_CHECK(cudaStreamSynchronize(stream));
  }

 private:
  std::vector<cudaStream_t> streams_;
};

/// Adds one to every element (a grid-stride loop): the work of the buffer benchmarks' read_write tasks.
static __global__ void add_one(int* values, std::size_t count) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < count;
       i += std::size_t{gridDim.x} * blockDim.x) {
    values[i] += 1;
  }
}

}  // namespace hetsched_bench_gpu
