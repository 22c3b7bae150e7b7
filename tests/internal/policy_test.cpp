// The placement policies on their own: pure decisions over hand-made snapshots.
#include "scheduler/policy.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "hetsched/detail/resource_demand.hpp"
#include "hetsched/error.hpp"

namespace hetsched::detail {
namespace {

constexpr std::int64_t whole = units_per_resource;
constexpr std::int64_t half = units_per_resource / 2;

/// A hand-made snapshot: GPUs with `free_units` left (memory plentiful unless given), a task asking for `units`.
struct Machine {
  std::vector<GpuView> gpus;
  std::vector<InputView> inputs;
  TaskView task;

  Machine(const std::vector<std::int64_t>& free_units, std::int64_t units) {
    for (std::int64_t free : free_units) gpus.push_back({free, UINT64_MAX, UINT64_MAX});
    task.gpu_units = units;
  }
  Snapshot snapshot() {
    task.inputs = inputs;
    return {task, gpus, 0};
  }
  Decision decide(const Policy& policy) { return policy.decide(snapshot()); }
  Decision decide(const char* name) { return decide(*make_policy(name)); }
};

/// The devices of a placement; fails the test for another answer.
std::vector<int> placed(const Decision& decision) {
  EXPECT_EQ(decision.kind, Decision::Kind::place);
  EXPECT_EQ(decision.variant, 0);
  return decision.gpus;
}

const char* const every_policy[] = {"pack", "spread", "locality", "random", "random:7"};

TEST(Policy, PackChoosesTheDeviceThatFitsAFractionTightestNotTheFirstThatFits) {
  // Device 0 is free, device 1 has half left: first fit would take device 0; best fit fills device 1.
  EXPECT_EQ(placed(Machine({whole, half}, half).decide("pack")), std::vector<int>{1});
}

TEST(Policy, SpreadChoosesTheDeviceWithTheMostLeft) {
  EXPECT_EQ(placed(Machine({whole, half}, half).decide("spread")), std::vector<int>{0});
  EXPECT_EQ(placed(Machine({half, whole}, half).decide("spread")), std::vector<int>{1});
}

TEST(Policy, PackTiesGoToTheLowestIndex) {
  for (std::uint64_t sequence : {0, 1, 2}) {
    Machine machine({half, half, half}, half);
    machine.task.sequence = sequence;
    EXPECT_EQ(placed(machine.decide("pack")), std::vector<int>{0});
  }
}

TEST(Policy, SpreadTakesEqualDevicesInTurn) {
  std::vector<int> chosen;
  for (std::uint64_t sequence : {0, 1, 2, 3}) {
    Machine machine({whole, whole, whole}, half);
    machine.task.sequence = sequence;
    chosen.push_back(placed(machine.decide("spread")).at(0));
  }
  EXPECT_EQ(chosen, (std::vector<int>{0, 1, 2, 0}));
}

TEST(Policy, NothingFitsNowMeansWait) {
  for (const char* name : every_policy) {
    EXPECT_EQ(Machine({half - 1, half - 1}, half).decide(name).kind, Decision::Kind::wait) << name;
    EXPECT_EQ(Machine({whole, half}, 2 * whole).decide(name).kind, Decision::Kind::wait) << name;
  }
}

TEST(Policy, MemoryThatNoDeviceHasMeansInfeasibleAndMemoryInUseMeansWait) {
  for (const char* name : every_policy) {
    Machine machine({whole, whole}, half);
    machine.task.gpu_memory = 100;
    machine.gpus[0].total_memory = machine.gpus[1].total_memory = 99;
    machine.gpus[0].free_memory = machine.gpus[1].free_memory = 99;
    EXPECT_EQ(machine.decide(name).kind, Decision::Kind::infeasible) << name;
    machine.gpus[1].total_memory = 200;  // device 1 could hold it once the 99 in use there are freed
    EXPECT_EQ(machine.decide(name).kind, Decision::Kind::wait) << name;
    machine.gpus[1].free_memory = 150;
    EXPECT_EQ(placed(machine.decide(name)), std::vector<int>{1}) << name;
  }
}

TEST(Policy, WholeDemandsTakeEntirelyFreeDevices) {
  for (const char* name : every_policy) {
    EXPECT_EQ(placed(Machine({half, whole, whole}, 2 * whole).decide(name)), (std::vector<int>{1, 2})) << name;
  }
}

TEST(Policy, LocalityChoosesTheDeviceHoldingTheMostInputBytes) {
  Machine machine({whole, whole, whole}, half);
  machine.inputs = {{100, host_node_bit | gpu_node_bit(1)}, {300, gpu_node_bit(2)}, {50, gpu_node_bit(1)}};
  EXPECT_EQ(placed(machine.decide("locality")), std::vector<int>{2});  // 300 bytes there, 150 on device 1
  EXPECT_EQ(placed(machine.decide("pack")), std::vector<int>{0});      // pack does not look at the data
}

TEST(Policy, LocalitySkipsAHoldingDeviceThatIsFull) {
  Machine machine({half - 1, whole}, half);
  machine.inputs = {{1000, gpu_node_bit(0)}};
  EXPECT_EQ(placed(machine.decide("locality")), std::vector<int>{1});
}

TEST(Policy, LocalityBreaksTiesByBestFit) {
  Machine machine({whole, half, half + 1}, half);
  machine.inputs = {{100, host_node_bit}};  // only the host holds it: every device is equally far
  EXPECT_EQ(placed(machine.decide("locality")), std::vector<int>{1});
  machine.inputs = {{100, gpu_node_bit(0) | gpu_node_bit(2)}};  // devices 0 and 2 hold it: 2 fits tighter
  EXPECT_EQ(placed(machine.decide("locality")), std::vector<int>{2});
}

TEST(Policy, LocalityPicksTheHoldingDevicesForAWholeDemand) {
  Machine machine({whole, whole, whole, whole}, 2 * whole);
  machine.inputs = {{10, gpu_node_bit(3)}, {20, gpu_node_bit(1)}};
  EXPECT_EQ(placed(machine.decide("locality")), (std::vector<int>{1, 3}));
}

TEST(Policy, RandomIsDeterministicForASeedAndUsesEveryFittingDevice) {
  std::set<int> seen;
  std::vector<int> first_run;
  for (std::uint64_t sequence = 0; sequence < 64; ++sequence) {
    Machine machine({whole, half - 1, whole, whole}, half);
    machine.task.sequence = sequence;
    int device = placed(machine.decide("random:7")).at(0);
    EXPECT_NE(device, 1) << "device 1 does not fit";
    EXPECT_EQ(placed(machine.decide("random:7")).at(0), device) << "same seed and task, same choice";
    seen.insert(device);
    first_run.push_back(device);
  }
  EXPECT_EQ(seen, (std::set<int>{0, 2, 3}));
  std::vector<int> other_seed;
  for (std::uint64_t sequence = 0; sequence < 64; ++sequence) {
    Machine machine({whole, half - 1, whole, whole}, half);
    machine.task.sequence = sequence;
    other_seed.push_back(placed(machine.decide("random:8")).at(0));
  }
  EXPECT_NE(first_run, other_seed);
}

TEST(Policy, MakePolicyKnowsItsNamesAndListsThemForAnyOther) {
  for (const char* name : {"pack", "spread", "locality", "random"}) EXPECT_EQ(make_policy(name)->name(), name);
  EXPECT_EQ(make_policy("random:42")->name(), "random") << "the default seed spelled out is the same policy";
  EXPECT_EQ(make_policy("random:9")->name(), "random:9");
  for (const char* wrong : {"first_fit", "random:", "random:x", "random:-1", "Pack"}) {
    try {
      make_policy(wrong);
      FAIL() << "an unknown policy must be refused: " << wrong;
    } catch (const UsageError& e) {
      std::string message = e.what();
      EXPECT_NE(message.find(wrong), std::string::npos) << message;
      for (const char* known : {"\"pack\"", "\"spread\"", "\"locality\"", "\"random\""}) {
        EXPECT_NE(message.find(known), std::string::npos) << message;
      }
    }
  }
}

}  // namespace
}  // namespace hetsched::detail
