// Device memory on the simulated CUDA runtime (tests/sim_cuda), through the real memory system: the gpu_memory a
// task declares is memory its body can really allocate, even after replicas were evicted to make room for it (their
// memory must not stay reserved in the default pool), and a replica allocation that fails on a pool holding its free
// memory in pieces too small succeeds once the pool gave those pieces back. Every test runs in both completion modes
// and fails on any violation the simulation saw.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <cstddef>
#include <numeric>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <hetsched/hetsched.hpp>
#include <sim_cuda/control.hpp>

namespace hetsched::test {
namespace {

constexpr std::size_t mebibyte = std::size_t{1} << 20;

std::vector<int> iota_vector(std::size_t bytes) {
  std::vector<int> values(bytes / sizeof(int));
  std::iota(values.begin(), values.end(), 0);
  return values;
}

/// True when view[i] == i + offset everywhere.
bool holds_iota_plus(std::span<const int> view, int offset) {
  for (std::size_t i = 0; i < view.size(); ++i) {
    if (view[i] != static_cast<int>(i) + offset) return false;
  }
  return true;
}

/// A task body whose kernel adds one to every element.
constexpr auto add_one = [](hetsched::TaskContext& ctx, std::span<int> values) {
  sim::Kernel kernel;
  kernel.touches.emplace_back(values.data(), values.size_bytes());
  kernel.step = [values] {
    for (int& value : values) value += 1;
    return true;
  };
  sim::launch(ctx.stream(), std::move(kernel));
};

class GpuMemory : public ::testing::TestWithParam<const char*> {
 protected:
  /// One simulated device of 16 MiB (the runtime places replicas and gpu_memory in 90% of it).
  explicit GpuMemory(bool fragmenting_pool = false) {
    sim::MachineSpec spec;
    spec.devices[0].memory = 16 * mebibyte;
    spec.devices[0].fragmenting_pool = fragmenting_pool;
    sim::reset(spec);
  }
  ~GpuMemory() override {
    EXPECT_EQ(sim::pinned_bytes(), 0u) << "pinned host memory left after ~Runtime";
    for (const std::string& line : sim::take_violations()) ADD_FAILURE() << line;
  }

  static hetsched::Config config() {
    hetsched::Config config;
    config.num_cpus = 2;
    config.num_gpus = 1;
    config.read_environment = false;
    config.gpu_completion = GetParam();
    return config;
  }

  /// Buffers of `bytes` each, written once by a GPU task, so that each one's only valid replica is on the GPU.
  static std::vector<hetsched::ObjectRef<hetsched::Buffer<int>>> buffers_on_the_gpu(hetsched::Runtime& rt, int count,
                                                                                    std::size_t bytes) {
    std::vector<hetsched::ObjectRef<hetsched::Buffer<int>>> buffers;
    for (int buffer = 0; buffer < count; ++buffer) {
      buffers.push_back(rt.put_buffer(iota_vector(bytes)));
      rt.get(rt.task(add_one).gpus(1).remote(hetsched::read_write(buffers.back())));
    }
    return buffers;
  }
};

TEST_P(GpuMemory, ABodyCanCudaMallocTheGpuMemoryItsTaskDeclaredAfterReplicasWereEvictedForIt) {
  hetsched::Runtime rt(config());
  auto replicas = buffers_on_the_gpu(rt, 12, mebibyte);  // 12 of the 14.4 MiB the runtime may use
  constexpr std::size_t promised = 10 * mebibyte;
  auto allocated = rt.task([](hetsched::TaskContext&) {
                       void* memory = nullptr;
                       const cudaError_t status = cudaMalloc(&memory, promised);
                       if (status == cudaSuccess) cudaFree(memory);
                       cudaGetLastError();  // a failed cudaMalloc is the test's finding, not a launch error
                       return std::string(cudaGetErrorName(status));
                     })
                       .gpus(1)
                       .gpu_memory(promised)
                       .remote();
  EXPECT_EQ(rt.get(allocated), "cudaSuccess")
      << "the body could not allocate the gpu_memory its task was promised: the memory of the replicas evicted for "
         "it stayed reserved in the device's pool";
  EXPECT_GT(rt.store_stats().evictions, 0u);
  for (auto& buffer : replicas) EXPECT_TRUE(holds_iota_plus(rt.get(buffer), 1));
}

/// A device whose pool keeps freed memory in the pieces it was freed as.
class GpuMemoryFragmentingPool : public GpuMemory {
 protected:
  GpuMemoryFragmentingPool() : GpuMemory(true) {}
};

TEST_P(GpuMemoryFragmentingPool, AReplicaThatFitsOnlyOnceThePoolGaveBackItsFreePiecesIsAllocated) {
  hetsched::Runtime rt(config());
  auto small = buffers_on_the_gpu(rt, 2, 6 * mebibyte);
  // 10 MiB: both 6 MiB replicas are evicted for it, and their memory stays in the pool as two pieces too small.
  auto large = rt.put_buffer(iota_vector(10 * mebibyte));
  rt.get(rt.task(add_one).gpus(1).remote(hetsched::read_write(large)));
  EXPECT_TRUE(holds_iota_plus(rt.get(large), 1));
  for (auto& buffer : small) EXPECT_TRUE(holds_iota_plus(rt.get(buffer), 1));
  EXPECT_GE(rt.store_stats().evictions, 2u);
}

INSTANTIATE_TEST_SUITE_P(CompletionModes, GpuMemory, ::testing::Values("events", "host_functions"));
INSTANTIATE_TEST_SUITE_P(CompletionModes, GpuMemoryFragmentingPool, ::testing::Values("events", "host_functions"));

}  // namespace
}  // namespace hetsched::test
