// Device memory as a resource for buffers: each GPU holds at most its capacity of replicas (Config::
// logical_gpu_memory on logical GPUs); a full device evicts the least recently used unpinned replicas, writing back
// those that are the only valid copy, and only when nothing can be freed does a task fail with ObjectStoreFullError.
#include <gtest/gtest.h>

#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

constexpr std::size_t elements = 1024;
constexpr std::size_t bytes = elements * sizeof(int);

/// One logical GPU with room for two and a half buffers.
hetsched::Config small_gpu(int cpus = 2) {
  hetsched::Config config = hetsched_test::make_config(cpus, 1);
  config.logical_gpu_memory = bytes * 5 / 2;
  return config;
}

long long sum(std::span<const int> values) { return std::accumulate(values.begin(), values.end(), 0LL); }

std::vector<hetsched::ObjectRef<hetsched::Buffer<int>>> put_buffers(hetsched::Runtime& rt, int count) {
  std::vector<hetsched::ObjectRef<hetsched::Buffer<int>>> refs;
  for (int i = 0; i < count; ++i) refs.push_back(rt.put_buffer(std::vector<int>(elements, i)));
  return refs;
}

void expect_store_full(auto&& get, const std::string& expected) {
  try {
    get();
    FAIL() << "expected ObjectStoreFullError";
  } catch (const hetsched::ObjectStoreFullError& error) {
    EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
  }
}

TEST(BufferEviction, AFullGpuDropsTheLeastRecentlyUsedCleanReplicas) {
  hetsched::Runtime rt{small_gpu()};
  auto refs = put_buffers(rt, 4);
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 4; ++i) {
      auto total = rt.task(sum).gpus(1).remote(hetsched::read(refs[i]));
      EXPECT_EQ(rt.get(total), static_cast<long long>(i) * elements);
      EXPECT_LE(rt.store_stats().device_bytes.at(0), bytes * 5 / 2);
    }
  }
  auto stats = rt.store_stats();
  EXPECT_EQ(stats.evictions, 6u);       // 8 reads of 4 buffers through room for 2: all but the first 2 evict one
  EXPECT_EQ(stats.write_backs, 0u);     // every evicted copy was clean (the host copy stayed valid)
  EXPECT_EQ(stats.bytes_device_to_host, 0u);
  EXPECT_EQ(stats.bytes_host_to_device, 8 * bytes);
}

TEST(BufferEviction, TheRecentlyUsedReplicaStaysOnTheGpu) {
  hetsched::Runtime rt{small_gpu()};
  auto refs = put_buffers(rt, 3);
  rt.get(rt.task(sum).gpus(1).remote(hetsched::read(refs[0])));
  rt.get(rt.task(sum).gpus(1).remote(hetsched::read(refs[1])));
  rt.get(rt.task(sum).gpus(1).remote(hetsched::read(refs[0])));  // 0 is now warmer than 1
  rt.get(rt.task(sum).gpus(1).remote(hetsched::read(refs[2])));  // evicts 1
  const std::size_t moved = rt.store_stats().bytes_host_to_device;
  rt.get(rt.task(sum).gpus(1).remote(hetsched::read(refs[0])));  // still there: no copy
  EXPECT_EQ(rt.store_stats().bytes_host_to_device, moved);
  rt.get(rt.task(sum).gpus(1).remote(hetsched::read(refs[1])));  // was evicted: copied again
  EXPECT_EQ(rt.store_stats().bytes_host_to_device, moved + bytes);
}

TEST(BufferEviction, TheOnlyValidCopyIsWrittenBackBeforeItIsDropped) {
  hetsched::Runtime rt{small_gpu()};
  auto refs = put_buffers(rt, 3);
  rt.get(rt.task([](std::span<int> values) { std::fill(values.begin(), values.end(), 42); })
             .gpus(1)
             .remote(hetsched::read_write(refs[0])));
  rt.get(rt.task(sum).gpus(1).remote(hetsched::read(refs[1])));
  rt.get(rt.task(sum).gpus(1).remote(hetsched::read(refs[2])));  // evicts refs[0], the dirty one
  auto stats = rt.store_stats();
  EXPECT_EQ(stats.write_backs, 1u);
  EXPECT_EQ(stats.bytes_device_to_host, bytes);
  EXPECT_EQ(rt.get(refs[0])[7], 42);
  EXPECT_EQ(rt.store_stats().bytes_device_to_host, bytes);  // the host copy was already valid
}

TEST(BufferEviction, AWorkingSetTwiceTheCapacityCompletesThroughEviction) {
  hetsched::Runtime rt{small_gpu(4)};
  auto refs = put_buffers(rt, 5);
  for (int round = 0; round < 3; ++round) {
    for (auto& ref : refs) {
      rt.task([](std::span<int> values) {
          for (int& v : values) v += 1;
        })
          .gpus(0.25)
          .remote(hetsched::read_write(ref));
    }
  }
  for (int i = 0; i < 5; ++i) EXPECT_EQ(rt.get(refs[i])[0], i + 3);
  EXPECT_GT(rt.store_stats().write_backs, 0u);
}

TEST(BufferEviction, TasksContendingForGpuMemoryWaitForEachOtherInsteadOfFailing) {
  hetsched::Runtime rt{small_gpu(4)};
  auto refs = put_buffers(rt, 8);
  std::vector<hetsched::ObjectRef<long long>> totals;
  for (int i = 0; i < 8; ++i) {
    // Two buffers each: two such tasks never fit on the GPU at once, four are placed there at once.
    totals.push_back(rt.task([](std::span<const int> a, std::span<const int> b) { return sum(a) + sum(b); })
                         .gpus(0.25)
                         .remote(hetsched::read(refs[i]), hetsched::read(refs[(i + 1) % 8])));
  }
  for (int i = 0; i < 8; ++i) EXPECT_EQ(rt.get(totals[i]), static_cast<long long>(i + (i + 1) % 8) * elements);
}

TEST(BufferEviction, ATaskNeedingMoreThanTheGpuHoldsFailsWithObjectStoreFull) {
  hetsched::Runtime rt{small_gpu()};
  auto refs = put_buffers(rt, 3);
  auto too_much = rt.task([](std::span<const int> a, std::span<const int> b, std::span<const int> c) {
                      return sum(a) + sum(b) + sum(c);
                    })
                      .gpus(1)
                      .remote(hetsched::read(refs[0]), hetsched::read(refs[1]), hetsched::read(refs[2]));
  expect_store_full([&] { rt.get(too_much); }, "GPU 0");
  EXPECT_EQ(rt.store_stats().device_bytes.at(0), 2 * bytes);  // nothing stays pinned: the replicas are evictable
  EXPECT_EQ(rt.get(rt.task(sum).gpus(1).remote(hetsched::read(refs[2]))), 2LL * elements);
}

TEST(BufferEviction, ABufferLargerThanTheGpuFailsWithObjectStoreFull) {
  hetsched::Runtime rt{small_gpu()};
  auto big = rt.put_buffer(std::vector<int>(3 * elements, 1));
  expect_store_full([&] { rt.get(rt.task(sum).gpus(1).remote(hetsched::read(big))); }, "cannot hold a buffer");
  auto alloc = rt.task([](hetsched::TaskContext& ctx) { return ctx.alloc<int>(3 * elements); }).gpus(1).remote();
  expect_store_full([&] { rt.get(alloc); }, "GPU 0");
  EXPECT_EQ(rt.get(rt.task(sum).remote(hetsched::read(big))), 3LL * elements);  // on the CPU it is fine
}

TEST(BufferEviction, CtxAllocEvictsToMakeRoom) {
  hetsched::Runtime rt{small_gpu()};
  auto refs = put_buffers(rt, 2);
  rt.get(rt.task(sum).gpus(1).remote(hetsched::read(refs[0])));
  rt.get(rt.task(sum).gpus(1).remote(hetsched::read(refs[1])));
  auto made = rt.task([](hetsched::TaskContext& ctx) {
                  auto out = ctx.alloc<int>(elements);
                  std::fill(out.data(), out.data() + elements, 9);
                  return out;
                })
                  .gpus(1)
                  .remote();
  EXPECT_EQ(rt.get(made)[5], 9);
  EXPECT_EQ(rt.store_stats().evictions, 1u);
}

}  // namespace
