// The memory system of logical GPUs: a large replica's memory is kept when freed and reused for the next replica it
// fits, on any node (all are host memory), as a real GPU's stream-ordered pool keeps device memory; host replicas only
// where there are logical GPUs; small replicas are the heap's.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "store/memory_system.hpp"

namespace hetsched::detail {
namespace {

constexpr std::size_t large = std::size_t{4} << 20;

TEST(HostMemorySystem, AFreedLargeReplicaIsReusedOnAnyNode) {
  auto memory = make_host_memory_system(true);
  std::byte* first = memory->allocate_device(0, large);
  ASSERT_NE(first, nullptr);
  std::memset(first, 1, large);  // usable memory
  memory->free_device(0, first, large);
  std::byte* again = memory->allocate_device(1, large - 4096);
  EXPECT_EQ(again, first) << "the kept block serves a request it fits, on another GPU too (all is host memory)";
  std::byte* second = memory->allocate_device(0, large);
  EXPECT_NE(second, again);
  memory->free_device(1, again, large - 4096);
  memory->free_device(0, second, large);
}

TEST(HostMemorySystem, WithLogicalGpusAFreedLargeHostReplicaIsReusedToo) {
  auto memory = make_host_memory_system(true);
  std::byte* first = memory->allocate_host(large);
  memory->free_host(first, large);
  std::byte* again = memory->allocate_host(large);
  EXPECT_EQ(again, first);
  memory->free_host(again, large);
}

TEST(HostMemorySystem, ReplicasOfEverySizeAreUsableAndAligned) {
  for (bool keep_host_replicas : {true, false}) {
    auto memory = make_host_memory_system(keep_host_replicas);
    for (std::size_t bytes : {std::size_t{1}, std::size_t{4096}, std::size_t{256} << 10, large + 1}) {
      std::byte* host = memory->allocate_host(bytes);
      std::byte* device = memory->allocate_device(0, bytes);
      ASSERT_NE(device, nullptr);
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(host) % 64, 0u);
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(device) % 64, 0u);
      std::memset(host, 7, bytes);
      memory->copy(0, device, host_node, host, bytes);
      EXPECT_EQ(device[bytes - 1], std::byte{7});
      memory->free_device(0, device, bytes);
      memory->free_host(host, bytes);
    }
  }
}

TEST(HostMemorySystem, ThreadsOnSeveralDevicesAtOnceNeverShareABlock) {
  auto memory = make_host_memory_system(true);
  constexpr int threads = 4;
  constexpr int rounds = 200;
  std::atomic<bool> shared{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const int device = t % 3;  // two threads share device 0; the devices' pools are made as they are first used
      for (int round = 0; round < rounds; ++round) {
        const std::size_t bytes = (std::size_t{256} << 10) * static_cast<std::size_t>(1 + round % 3);
        std::byte* block = memory->allocate_device(device, bytes);
        ASSERT_NE(block, nullptr);
        const auto mark = static_cast<std::byte>(t + 1);
        std::memset(block, static_cast<int>(mark), bytes);
        std::this_thread::yield();
        if (block[0] != mark || block[bytes - 1] != mark) shared = true;  // another thread wrote into it
        memory->free_device(device, block, bytes);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_FALSE(shared);
}

}  // namespace
}  // namespace hetsched::detail
