// A runtime with one real (simulated) GPU and one logical GPU (Config::num_gpus above the devices found): a buffer
// moves between the host, the real GPU and the logical one in every direction, through the real memory system of
// cuda/ (which hands the logical GPU to the host memory system), and every move keeps its contents and is counted.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <cstddef>
#include <numeric>
#include <span>
#include <vector>

#include <hetsched/hetsched.hpp>
#include <sim_cuda/control.hpp>

#include "simulated_machine.hpp"

namespace hetsched::test {
namespace {

constexpr std::size_t elements = 4096;
constexpr std::size_t bytes = elements * sizeof(int);
/// More than the real GPU's capacity (90% of its 1 GiB), less than the logical one's (16 GiB): a task asking for it
/// can only go to the logical GPU.
constexpr std::size_t only_on_logical = std::size_t{2} << 30;

constexpr int real_gpu = 0;
constexpr int logical_gpu = 1;

sim::MachineSpec one_device() {
  sim::MachineSpec spec;
  spec.devices.assign(1, sim::DeviceSpec{});
  return spec;
}

bool holds_iota_plus(std::span<const int> view, int offset) {
  for (std::size_t i = 0; i < view.size(); ++i) {
    if (view[i] != static_cast<int>(i) + offset) return false;
  }
  return true;
}

class LogicalBesideReal : public SimulatedMachine, public ::testing::WithParamInterface<const char*> {
 protected:
  LogicalBesideReal() : SimulatedMachine(one_device()) {}
};

/// A kernel task on the real GPU adding `amount` to every element of the buffer it reads and writes.
auto add_on_real_gpu(int amount) {
  return [amount](hetsched::TaskContext& ctx, std::span<int> values) {
    EXPECT_EQ(ctx.gpu_ids()[0], real_gpu);
    EXPECT_NE(ctx.stream(), nullptr);
    sim::Kernel kernel;
    kernel.touches.emplace_back(values.data(), values.size_bytes());
    kernel.step = [values, amount] {
      for (int& value : values) value += amount;
      return true;
    };
    EXPECT_EQ(sim::launch(ctx.stream(), std::move(kernel)), cudaSuccess);
  };
}

/// A task on the logical GPU (no stream: its body works on the replica itself) adding `amount`.
auto add_on_logical_gpu(int amount) {
  return [amount](hetsched::TaskContext& ctx, std::span<int> values) {
    EXPECT_EQ(ctx.gpu_ids()[0], logical_gpu);
    EXPECT_EQ(ctx.stream(), nullptr);
    for (int& value : values) value += amount;
  };
}

TEST_P(LogicalBesideReal, ABufferMovesBetweenTheHostTheRealGpuAndTheLogicalOneInEveryDirection) {
  hetsched::Runtime rt(config(2, 2, GetParam()));
  ASSERT_EQ(rt.hardware().gpus.size(), 1u);
  std::vector<int> values(elements);
  std::iota(values.begin(), values.end(), 0);
  auto buffer = rt.put_buffer(values);

  // host -> real, real -> logical, logical -> real, real -> logical (a reader), then real -> host.
  rt.get(rt.task(add_on_real_gpu(1)).gpus(1).remote(hetsched::read_write(buffer)));
  rt.get(rt.task(add_on_logical_gpu(10)).gpus(1).gpu_memory(only_on_logical).remote(hetsched::read_write(buffer)));
  rt.get(rt.task(add_on_real_gpu(100)).gpus(1).remote(hetsched::read_write(buffer)));
  auto seen_on_logical = rt.task([](hetsched::TaskContext& ctx, std::span<const int> view) {
                             EXPECT_EQ(ctx.gpu_ids()[0], logical_gpu);
                             return holds_iota_plus(view, 111);
                           })
                             .gpus(1)
                             .gpu_memory(only_on_logical)
                             .remote(hetsched::read(buffer));
  EXPECT_TRUE(rt.get(seen_on_logical)) << "the logical GPU's copy of the real GPU's replica is wrong";
  auto on_host = rt.get(buffer);
  EXPECT_TRUE(holds_iota_plus(on_host, 111)) << "the host's copy after the round trips is wrong";

  const hetsched::StoreStats stats = rt.store_stats();
  EXPECT_EQ(stats.bytes_host_to_device, bytes) << "one copy in, to the real GPU";
  EXPECT_EQ(stats.bytes_device_to_device, 3 * bytes) << "real -> logical, logical -> real, real -> logical";
  EXPECT_EQ(stats.bytes_device_to_host, bytes) << "one copy back, for the host's get";
  ASSERT_EQ(stats.device_bytes.size(), 2u);
  EXPECT_EQ(stats.device_bytes[real_gpu], bytes);
  EXPECT_EQ(stats.device_bytes[logical_gpu], bytes);
  EXPECT_EQ(sim::stats(real_gpu).kernels, 2);
}

TEST_P(LogicalBesideReal, AWriterOnTheLogicalGpuIsWrittenBackToTheHostAndReadFromThereByTheRealGpu) {
  hetsched::Runtime rt(config(2, 2, GetParam()));
  std::vector<int> values(elements);
  std::iota(values.begin(), values.end(), 0);
  auto buffer = rt.put_buffer(values);

  // host -> logical, logical -> host (the host's get), host -> real (the host's copy is valid again).
  rt.get(rt.task(add_on_logical_gpu(5)).gpus(1).gpu_memory(only_on_logical).remote(hetsched::read_write(buffer)));
  EXPECT_TRUE(holds_iota_plus(rt.get(buffer), 5));
  rt.get(rt.task(add_on_real_gpu(1)).gpus(1).remote(hetsched::read_write(buffer)));
  EXPECT_TRUE(holds_iota_plus(rt.get(buffer), 6));

  const hetsched::StoreStats stats = rt.store_stats();
  EXPECT_EQ(stats.bytes_host_to_device, 2 * bytes) << "host -> logical, host -> real";
  EXPECT_EQ(stats.bytes_device_to_host, 2 * bytes) << "logical -> host, real -> host";
  EXPECT_EQ(stats.bytes_device_to_device, 0u);
}

INSTANTIATE_TEST_SUITE_P(CompletionModes, LogicalBesideReal, ::testing::Values("events", "host_functions"));

}  // namespace
}  // namespace hetsched::test
