// The placement policies on their own: pure decisions over a snapshot of free GPU capacity.
#include "scheduler/policy.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "hetsched/detail/resource_demand.hpp"
#include "hetsched/error.hpp"

namespace hetsched::detail {
namespace {

/// The devices `policy` chooses for a demand of `units` when the GPUs have `free_units` left (memory is plentiful).
std::optional<std::vector<int>> choose(const Policy& policy, const std::vector<std::int64_t>& free_units,
                                       std::int64_t units) {
  std::vector<std::uint64_t> free_memory(free_units.size(), UINT64_MAX);
  return policy.choose_gpus(GpuSnapshot{free_units, free_memory}, GpuRequest{units, 0});
}

constexpr std::int64_t half = units_per_resource / 2;

TEST(Policy, PackChoosesTheDeviceThatFitsAFractionTightestNotTheFirstThatFits) {
  // Device 0 is free, device 1 has half left: first fit would take device 0; best fit fills device 1.
  EXPECT_EQ(choose(*make_pack_policy(), {units_per_resource, half}, half), std::vector<int>{1});
}

TEST(Policy, SpreadChoosesTheDeviceWithTheMostLeft) {
  EXPECT_EQ(choose(*make_spread_policy(), {units_per_resource, half}, half), std::vector<int>{0});
  EXPECT_EQ(choose(*make_spread_policy(), {half, units_per_resource}, half), std::vector<int>{1});
}

TEST(Policy, TiesGoToTheLowestIndex) {
  for (const char* name : {"pack", "spread"}) {
    EXPECT_EQ(choose(*make_policy(name), {half, half, half}, half), std::vector<int>{0}) << name;
  }
}

TEST(Policy, NothingFitsMeansNoChoice) {
  for (const char* name : {"pack", "spread"}) {
    EXPECT_EQ(choose(*make_policy(name), {half - 1, half - 1}, half), std::nullopt) << name;
    EXPECT_EQ(choose(*make_policy(name), {units_per_resource, half}, 2 * units_per_resource), std::nullopt) << name;
  }
}

TEST(Policy, MakePolicyKnowsItsNamesAndListsThemForAnyOther) {
  EXPECT_EQ(make_policy("pack")->name(), "pack");
  EXPECT_EQ(make_policy("spread")->name(), "spread");
  try {
    make_policy("first_fit");
    FAIL() << "an unknown policy must be refused";
  } catch (const UsageError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("first_fit"), std::string::npos) << message;
    EXPECT_NE(message.find("\"pack\""), std::string::npos) << message;
    EXPECT_NE(message.find("\"spread\""), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace hetsched::detail
