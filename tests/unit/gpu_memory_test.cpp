// gpu_memory(bytes): a task is placed only on a device with that much free device memory, and holds it while it runs.
#include <gtest/gtest.h>

#include <vector>

#include "test_support.hpp"

namespace {

using hetsched_test::ConcurrencyMeter;
using hetsched_test::contains;
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
  ConcurrencyMeter meter;
  std::vector<hetsched::ObjectRef<void>> refs;
  for (int i = 0; i < 6; ++i) {
    refs.push_back(rt.task([&meter] {
                       ConcurrencyMeter::Scope scope(meter);
                       std::this_thread::sleep_for(std::chrono::milliseconds(2));
                     })
                       .gpus(0.25)
                       .gpu_memory(600)
                       .remote());
  }
  rt.get(refs);
  EXPECT_EQ(meter.max(), 1);  // 4 fit by GPU share, only 1 by memory
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

}  // namespace
