// Device memory on a GPU without memory pools, through the real memory system (cuda/cuda_memory_system.cpp) on the
// simulated CUDA runtime: cudaFree waits for every stream of the device, so the thread that frees a replica (it may be
// the progress thread, dropping a buffer's last reference as a task completes) must never be the one that calls it.
// The memory is freed elsewhere, and none is left once the memory system is gone.
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include <sim_cuda/control.hpp>

#include "store/memory_system.hpp"

namespace hetsched::test {
namespace {

constexpr std::size_t block_bytes = std::size_t{64} << 20;

int free_calls(std::size_t from, bool on_this_thread) {
  const std::vector<sim::ImplicitSync> syncs = sim::implicit_syncs();
  int calls = 0;
  for (std::size_t index = from; index < syncs.size(); ++index) {
    if (syncs[index].call != "cudaFree") continue;
    if (!on_this_thread || syncs[index].thread == std::this_thread::get_id()) ++calls;
  }
  return calls;
}

TEST(DeviceFree, DeviceMemoryWithoutPoolsIsFreedOffTheThreadThatFreesIt) {
  sim::MachineSpec spec;
  spec.devices.assign(1, sim::DeviceSpec{});
  spec.devices[0].memory_pools = false;
  sim::reset(spec);
  std::size_t before = 0;
  {
    auto memory = detail::make_memory_system(1, 1);
    std::byte* first = memory->allocate_device(0, block_bytes);
    std::byte* second = memory->allocate_device(0, block_bytes);
    ASSERT_NE(first, nullptr);
    ASSERT_NE(second, nullptr);
    before = sim::implicit_syncs().size();
    memory->free_device(0, first, block_bytes);
    memory->free_device(0, second, block_bytes);
    EXPECT_EQ(free_calls(before, true), 0)
        << "free_device called cudaFree, which waits for the whole device, on the thread that freed the memory";
  }
  EXPECT_EQ(free_calls(before, false), 2) << "both blocks go back to the device, at the latest with the system";
  EXPECT_EQ(sim::stats(0).memory_used, 0u) << "device memory left once the memory system is gone";
  for (const std::string& line : sim::take_violations()) ADD_FAILURE() << line;
}

TEST(DeviceFree, AnAllocationThatDoesNotFitWaitsForTheFreesHandedOverAndFits) {
  sim::MachineSpec spec;
  spec.devices.assign(1, sim::DeviceSpec{});
  spec.devices[0].memory_pools = false;
  spec.devices[0].memory = 3 * block_bytes;
  sim::reset(spec);
  {
    auto memory = detail::make_memory_system(1, 1);
    for (int round = 0; round < 20; ++round) {
      std::byte* first = memory->allocate_device(0, 2 * block_bytes);
      ASSERT_NE(first, nullptr) << "round " << round << ": the device's memory was still held by a freed block";
      memory->free_device(0, first, 2 * block_bytes);
    }
  }
  EXPECT_EQ(sim::stats(0).memory_used, 0u);
  for (const std::string& line : sim::take_violations()) ADD_FAILURE() << line;
}

}  // namespace
}  // namespace hetsched::test
