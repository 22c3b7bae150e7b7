// Config::placement_policy: how fractional GPU demands choose a device.
#include <gtest/gtest.h>

#include <vector>

#include "test_support.hpp"

namespace {

using hetsched_test::make_config;
using hetsched_test::Rendezvous;

/// Runs two gpus(0.25) tasks at the same time and returns the devices they were given.
std::vector<int> place_two_quarters(const std::string& policy) {
  auto config = make_config(4, 2);
  config.placement_policy = policy;
  hetsched::Runtime rt{config};
  Rendezvous both(2);
  std::vector<hetsched::ObjectRef<int>> refs;
  for (int i = 0; i < 2; ++i) {
    refs.push_back(rt.task([&both](hetsched::TaskContext& ctx) {
                       both.arrive_and_wait();
                       return ctx.gpu_ids()[0];
                     })
                       .gpus(0.25)
                       .remote());
  }
  return rt.get(refs);
}

TEST(Placement, PackPutsSmallGpuSharesOnOneDevice) {
  auto devices = place_two_quarters("pack");
  EXPECT_EQ(devices[0], devices[1]);
}

TEST(Placement, SpreadPutsSmallGpuSharesOnDifferentDevices) {
  auto devices = place_two_quarters("spread");
  EXPECT_NE(devices[0], devices[1]);
}

TEST(Placement, AnUnknownPolicyIsAUsageError) {
  auto config = make_config(1);
  config.placement_policy = "random";
  EXPECT_THROW(hetsched::Runtime{config}, hetsched::UsageError);
}

}  // namespace
