// gpu_memory(bytes): a task is placed only on a device with that much free device memory, and holds it while it runs:
// buffer replicas on that device are evicted to leave it free, and the task's own buffers must fit beside it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <span>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

using hetsched_test::contains;
using hetsched_test::HeldTasks;
using hetsched_test::make_config;
using hetsched_test::Rendezvous;

hetsched::Config two_small_gpus() {
  auto config = make_config(4, 2);
  config.logical_gpu_memory = 1000;
  return config;
}

TEST(GpuMemory, DemandsThatDoNotShareADeviceAreSpreadOverDevices) {
  // Best fit would pack both halves onto one device; their memory does not fit there together.
  hetsched::Runtime rt{two_small_gpus()};
  Rendezvous both(2);
  std::vector<hetsched::ObjectRef<int>> devices;
  for (int i = 0; i < 2; ++i) {
    devices.push_back(rt.task([&both](hetsched::TaskContext& ctx) {
                          both.arrive_and_wait();
                          return ctx.gpu_ids()[0];
                        })
                          .gpus(0.5)
                          .gpu_memory(800)
                          .remote());
  }
  auto placed = rt.get(devices);
  EXPECT_NE(placed[0], placed[1]);
}

TEST(GpuMemory, TasksWaitForMemoryEvenWhenTheirGpuShareFits) {
  hetsched::Config config = make_config(4, 1);
  config.logical_gpu_memory = 1000;
  hetsched::Runtime rt{config};
  HeldTasks held;
  std::vector<hetsched::ObjectRef<bool>> refs;
  for (int i = 0; i < 6; ++i) refs.push_back(rt.task(held.body()).gpus(0.25).gpu_memory(600).remote());
  ASSERT_TRUE(held.wait_until_inside(1));
  // 4 fit by GPU share and CPUs, only 1 by memory: exactly one was started.
  EXPECT_EQ(rt.available_resources(), (std::map<std::string, double>{{"CPU", 3}, {"GPU", 0.75}}));
  EXPECT_EQ(held.max_inside(), 1);
  held.release();
  for (bool released : rt.get(refs)) EXPECT_TRUE(released);
  EXPECT_EQ(held.max_inside(), 1);
  EXPECT_EQ(rt.available_resources(), rt.total_resources());
}

TEST(GpuMemory, MoreThanAnyDeviceHasIsAResourceError) {
  hetsched::Runtime rt{two_small_gpus()};
  try {
    rt.task([] {}).gpus(1).gpu_memory(2000).remote();
    FAIL() << "expected a ResourceError";
  } catch (const hetsched::ResourceError& error) {
    EXPECT_TRUE(contains(error.what(), "GPU memory")) << error.what();
  }
  // Two whole devices of 1000 bytes each do fit 1000 bytes per device.
  EXPECT_EQ(rt.get(rt.task([](hetsched::TaskContext& ctx) { return ctx.gpu_ids().size(); }).gpus(2).gpu_memory(1000).remote()),
            2u);
}

TEST(GpuMemory, MemoryWithoutAGpuIsAResourceError) {
  hetsched::Runtime rt{two_small_gpus()};
  EXPECT_THROW(rt.task([] {}).gpu_memory(10).remote(), hetsched::ResourceError);
}

constexpr std::size_t megabyte = std::size_t{1} << 20;

hetsched::Config one_gpu_of_four_megabytes() {
  auto config = make_config(4, 1);
  config.logical_gpu_memory = 4 * megabyte;
  return config;
}

/// Runs a reader of `ref` on GPU 0, leaving a replica of it there.
void cache_on_gpu(hetsched::Runtime& rt, const hetsched::ObjectRef<hetsched::Buffer<char>>& ref) {
  rt.get(rt.task([](std::span<const char> values) { return values.size(); }).gpus(1).remote(hetsched::read(ref)));
}

TEST(GpuMemory, ReplicasAreEvictedToLeaveATasksGpuMemoryFreeWhileItRuns) {
  hetsched::Runtime rt{one_gpu_of_four_megabytes()};
  std::vector<hetsched::ObjectRef<hetsched::Buffer<char>>> buffers;
  for (int i = 0; i < 3; ++i) {
    buffers.push_back(rt.put_buffer(std::vector<char>(megabyte, static_cast<char>(i))));
    cache_on_gpu(rt, buffers.back());
  }
  ASSERT_EQ(rt.store_stats().device_bytes.at(0), 3 * megabyte);
  auto seen =
      rt.task([&rt] { return rt.store_stats().device_bytes.at(0); }).gpus(1).gpu_memory(3 * megabyte).remote();
  EXPECT_LE(rt.get(seen), megabyte) << "replicas must leave the task's 3 MiB free while it runs";
  EXPECT_EQ(rt.store_stats().evictions, 2u) << "the two least recently used, no more";
  // Once it finished, the room is the replicas' again.
  for (auto& buffer : buffers) cache_on_gpu(rt, buffer);
  EXPECT_EQ(rt.store_stats().device_bytes.at(0), 3 * megabyte);
}

TEST(GpuMemory, ATasksBuffersMustFitBesideItsOwnGpuMemory) {
  hetsched::Runtime rt{one_gpu_of_four_megabytes()};
  auto input = rt.put_buffer(std::vector<char>(2 * megabyte, 1));
  auto too_much = rt.task([](std::span<const char> values) { return values.size(); })
                      .gpus(1)
                      .gpu_memory(3 * megabyte)
                      .remote(hetsched::read(input));
  try {
    rt.get(too_much);
    ADD_FAILURE() << "3 MiB of gpu_memory and a 2 MiB buffer cannot share a 4 MiB GPU";
  } catch (const hetsched::ObjectStoreFullError& error) {
    EXPECT_TRUE(contains(error.what(), "gpu_memory")) << error.what();
  }
  // Nothing stays set aside after the failure: a task using the whole GPU still runs.
  EXPECT_EQ(rt.get(rt.task([] { return 1; }).gpus(1).gpu_memory(4 * megabyte).remote()), 1);
  auto fits = rt.task([](std::span<const char> values) { return values.size(); })
                  .gpus(1)
                  .gpu_memory(2 * megabyte)
                  .remote(hetsched::read(input));
  EXPECT_EQ(rt.get(fits), 2 * megabyte);
}

TEST(GpuMemory, ATaskWaitsForReplicasPinnedByARunningTaskBeforeItsBodyRuns) {
  hetsched::Runtime rt{one_gpu_of_four_megabytes()};
  auto input = rt.put_buffer(std::vector<char>(3 * megabyte, 1));
  Rendezvous reader_started(2);
  std::atomic<bool> reader_done{false};
  // A reader pins 3 MiB and holds it until the test lets it go; a 2 MiB task must not start meanwhile.
  auto reader = rt.task([&](std::span<const char> values) {
                      reader_started.arrive_and_wait();
                      std::this_thread::sleep_for(std::chrono::milliseconds(100));
                      reader_done = true;
                      return values.size();
                    })
                    .gpus(0.5)
                    .remote(hetsched::read(input));
  reader_started.arrive_and_wait();
  auto waiter = rt.task([&] { return reader_done.load(); }).gpus(0.5).gpu_memory(2 * megabyte).remote();
  EXPECT_TRUE(rt.get(waiter)) << "the task's body ran while its memory was still pinned by the reader";
  EXPECT_EQ(rt.get(reader), 3 * megabyte);
}

}  // namespace
