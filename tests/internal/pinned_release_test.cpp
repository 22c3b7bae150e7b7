// Pinned host memory through the real memory system (cuda/cuda_memory_system.cpp) on the simulated CUDA runtime:
// cudaFreeHost waits for every stream of the device, so the thread that gives a host replica back (it may be the
// progress thread, dropping a buffer's last reference as a task completes) must never be the one that calls it. The
// blocks past the pool's keep limit are freed elsewhere, and none is left once the memory system is gone.
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include <sim_cuda/control.hpp>

#include "store/memory_system.hpp"

namespace hetsched::test {
namespace {

/// Past the pool's 1 GiB keep limit once both are given back. The simulation never touches the memory.
constexpr std::size_t block_bytes = std::size_t{700} << 20;

int free_host_calls_on(std::thread::id thread, std::size_t from) {
  const std::vector<sim::ImplicitSync> syncs = sim::implicit_syncs();
  int calls = 0;
  for (std::size_t index = from; index < syncs.size(); ++index) {
    if (syncs[index].call == "cudaFreeHost" && syncs[index].thread == thread) ++calls;
  }
  return calls;
}

int free_host_calls(std::size_t from) {
  const std::vector<sim::ImplicitSync> syncs = sim::implicit_syncs();
  int calls = 0;
  for (std::size_t index = from; index < syncs.size(); ++index) calls += syncs[index].call == "cudaFreeHost";
  return calls;
}

TEST(PinnedRelease, PinnedMemoryGivenBackPastTheKeepLimitIsFreedOffTheThreadThatGaveItBack) {
  sim::reset(1);
  std::size_t before = 0;
  {
    auto memory = detail::make_memory_system(1, 1);
    std::byte* first = memory->allocate_host(block_bytes);
    std::byte* second = memory->allocate_host(block_bytes);
    before = sim::implicit_syncs().size();
    memory->free_host(first, block_bytes);
    memory->free_host(second, block_bytes);  // one of the two goes back to the driver
    EXPECT_EQ(free_host_calls_on(std::this_thread::get_id(), before), 0)
        << "free_host called cudaFreeHost, which waits for the whole device, on the thread that gave the block back";
  }
  EXPECT_EQ(free_host_calls(before), 2) << "both blocks go back to the driver, the second once the system is gone";
  EXPECT_EQ(sim::pinned_bytes(), 0u) << "pinned memory left once the memory system is gone";
  for (const std::string& line : sim::take_violations()) ADD_FAILURE() << line;
}

}  // namespace
}  // namespace hetsched::test
