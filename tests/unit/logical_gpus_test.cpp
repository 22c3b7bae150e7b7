// Logical GPUs: num_gpus above the hardware adds GPUs that schedule like real ones but have no stream.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "test_support.hpp"

namespace {

using hetsched_test::make_config;
using hetsched_test::Rendezvous;

struct Seen {
  int gpu = -1;
  bool has_stream = false;
  std::size_t gpu_count = 0;
  double gpus = 0;
};

TEST(LogicalGpus, RunGpuTasksWithoutAnyHardware) {
  const int hardware_gpus = static_cast<int>(hetsched::detect_hardware().gpus.size());
  const int logical = 2;
  const int total = hardware_gpus + logical;
  Rendezvous meeting(total);
  hetsched::Runtime rt{make_config(total, total)};
  EXPECT_EQ(rt.total_resources()["GPU"], static_cast<double>(total));

  // One whole-GPU task per device, all at once, so every device (real and logical) is seen exactly once.
  std::vector<hetsched::ObjectRef<Seen>> refs;
  for (int i = 0; i < total; ++i) {
    refs.push_back(rt.task([&meeting](hetsched::TaskContext& ctx) {
                       Seen seen;
                       seen.gpu_count = ctx.gpu_ids().size();
                       seen.gpu = meeting.arrive_and_wait() && seen.gpu_count == 1 ? ctx.gpu_ids()[0] : -1;
                       seen.has_stream = ctx.stream() != nullptr;
                       seen.gpus = ctx.gpus();
                       return seen;
                     })
                       .gpus(1)
                       .remote());
  }
  std::set<int> devices;
  for (const auto& ref : refs) {
    const Seen& seen = rt.get(ref);
    EXPECT_EQ(seen.gpu_count, 1u);
    EXPECT_EQ(seen.gpus, 1.0);
    ASSERT_GE(seen.gpu, 0) << "the gpus(1) tasks did not run at once";
    devices.insert(seen.gpu);
    // Devices past the hardware count are logical: host memory and a null stream.
    if (seen.gpu >= hardware_gpus) {
      EXPECT_FALSE(seen.has_stream) << "logical GPU " << seen.gpu << " has a stream";
    } else {
      EXPECT_TRUE(seen.has_stream) << "real GPU " << seen.gpu << " has no stream";
    }
  }
  EXPECT_EQ(devices.size(), static_cast<std::size_t>(total));
  EXPECT_EQ(*devices.begin(), 0);
  EXPECT_EQ(*devices.rbegin(), total - 1);
}

TEST(LogicalGpus, GiveACpuTaskNoGpuAndNoStream) {
  hetsched::Runtime rt{make_config(1, 2)};
  auto ref = rt.task([](hetsched::TaskContext& ctx) { return ctx.gpu_ids().empty() && ctx.stream() == nullptr; })
                 .remote();
  EXPECT_TRUE(rt.get(ref));
}

TEST(LogicalGpus, ShareOneLogicalGpuBetweenFractionalTasks) {
  if (!hetsched::detect_hardware().gpus.empty()) GTEST_SKIP() << "GPU 0 is a real device on this machine";
  Rendezvous meeting(4);
  hetsched::Runtime rt{make_config(4, 1)};
  std::vector<hetsched::ObjectRef<int>> refs;
  for (int i = 0; i < 4; ++i) {
    refs.push_back(rt.task([&meeting](hetsched::TaskContext& ctx) {
                       return meeting.arrive_and_wait() && ctx.stream() == nullptr ? ctx.gpu_ids()[0] : -1;
                     })
                       .gpus(0.25)
                       .remote());
  }
  EXPECT_EQ(rt.get(refs), (std::vector<int>{0, 0, 0, 0}));
}

}  // namespace
