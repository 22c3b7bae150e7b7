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
  std::vector<VariantView> bodies{1};
  TaskView task;
  std::int64_t free_cpus = 0;
  std::int64_t total_cpus = 0;

  Machine(const std::vector<std::int64_t>& free_units, std::int64_t units) {
    for (std::int64_t free : free_units) gpus.push_back({free, UINT64_MAX, UINT64_MAX});
    bodies[0].gpu_units = units;
  }
  /// The first body's memory demand.
  void gpu_memory(std::uint64_t bytes) { bodies[0].gpu_memory = bytes; }
  Snapshot snapshot() {
    task.inputs = inputs;
    task.variants = bodies;
    Snapshot made;
    made.task = task;
    made.gpus = gpus;
    made.free_cpu_units = free_cpus;
    made.total_cpu_units = total_cpus;
    return made;
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

const char* const every_policy[] = {"pack", "spread", "locality", "model", "dmdas", "heteroprio", "random", "random:7"};

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
    machine.gpu_memory(100);
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

/// A task with a CPU body (1 CPU) and a GPU body (one whole device, no CPU), both with run times known to the
/// models from `samples` runs, on `gpus` idle devices and `cpus` free CPUs; links of 10 GB/s with 10 us per copy.
Machine two_bodies(double cpu_s, double gpu_s, std::size_t gpus = 1, std::int64_t cpus = 2, std::uint32_t samples = 5) {
  Machine machine(std::vector<std::int64_t>(gpus, whole), whole);
  machine.bodies = {VariantView{whole, 0, 0, cpu_s, samples}, VariantView{0, whole, 0, gpu_s, samples}};
  machine.free_cpus = machine.total_cpus = cpus * whole;
  return machine;
}

/// Decides with "model" and links of 10 GB/s each way, 10 us a copy.
Decision decide_model(Machine& machine) {
  Snapshot snapshot = machine.snapshot();
  snapshot.links = {10e9, 10e9, 5e9, 10e-6, true};
  return make_policy("model")->decide(snapshot);
}

TEST(Policy, ModelPutsALargeGemmOnTheGpuAndATinyOneOnTheCpu) {
  // A 960x960 single-precision GEMM reads three 3.7 MB tiles from the host: 87.8 ms on a core, 2.8 ms on a GPU
  // (the figures StarPU measured on mirage), 1.1 ms to move the tiles: the GPU finishes first.
  Machine large = two_bodies(0.0878, 0.0028);
  large.inputs = {{3686400, host_node_bit}, {3686400, host_node_bit}, {3686400, host_node_bit}};
  Decision decision = decide_model(large);
  ASSERT_EQ(decision.kind, Decision::Kind::place);
  EXPECT_EQ(decision.variant, 1);
  EXPECT_EQ(decision.gpus, std::vector<int>{0});
  // A 32x32 one: 6 us on a core, 5 us on the GPU, but three copies of 10 us each to get its tiles there.
  Machine tiny = two_bodies(6e-6, 5e-6);
  tiny.inputs = {{4096, host_node_bit}, {4096, host_node_bit}, {4096, host_node_bit}};
  decision = decide_model(tiny);
  ASSERT_EQ(decision.kind, Decision::Kind::place);
  EXPECT_EQ(decision.variant, 0);
  EXPECT_TRUE(decision.gpus.empty());
  // The same tiny task whose tiles already live on the GPU stays there.
  for (InputView& input : tiny.inputs) input.valid_nodes = gpu_node_bit(0);
  EXPECT_EQ(decide_model(tiny).variant, 1);
}

TEST(Policy, ModelWaitsForABusyGpuUnlessTheQueueBehindItWouldOutlastACpuRun) {
  Machine machine = two_bodies(0.030, 0.001);
  machine.gpus[0].free_units = 0;
  machine.gpus[0].available_in_s = 0.002;
  EXPECT_EQ(decide_model(machine).kind, Decision::Kind::wait) << "3 ms on the busy GPU beats 30 ms on a free CPU";
  machine.task.queued_behind = 40;  // the 41st of them would finish on the GPU after 43 ms: a CPU takes this one
  Decision decision = decide_model(machine);
  ASSERT_EQ(decision.kind, Decision::Kind::place);
  EXPECT_EQ(decision.variant, 0);
  machine.task.queued_behind = 0;
  machine.gpus[0].free_units = whole;  // the GPU is free: it runs there, whatever the queue
  EXPECT_EQ(decide_model(machine).variant, 1);
}

TEST(Policy, ModelChoosesTheGpuThatHoldsTheInputsWhenMovingThemCostsMore) {
  Machine machine = two_bodies(1.0, 0.001, 2);
  machine.inputs = {{100'000'000, gpu_node_bit(1)}};  // 10 ms to move, ten times the run
  Decision decision = decide_model(machine);
  ASSERT_EQ(decision.kind, Decision::Kind::place);
  EXPECT_EQ(decision.gpus, std::vector<int>{1});
  machine.gpus[1].free_units = 0;
  machine.gpus[1].available_in_s = 0.002;  // busy for 2 ms more: still sooner than moving 100 MB
  EXPECT_EQ(decide_model(machine).kind, Decision::Kind::wait);
  machine.gpus[1].available_in_s = 0.050;  // busy for 50 ms: move it to device 0
  EXPECT_EQ(decide_model(machine).gpus, std::vector<int>{0});
}

TEST(Policy, ModelWaitsForTheGpuHoldingItsInputsDespiteAQueueButCountsAWaitThatIdlesAFreeGpuTwice) {
  // A GEMM-like body (2.8 ms) whose two 3.7 MB tiles are on GPU 1: 1.5 ms to copy them to the free GPU 0, so there
  // it would finish in 4.3 ms. Seven more like it are queued behind it.
  Machine machine = two_bodies(1.0, 0.0028, 2);
  machine.inputs = {{3686400, gpu_node_bit(1)}, {3686400, gpu_node_bit(1)}};
  machine.gpus[1].free_units = 0;
  machine.task.queued_behind = 7;
  machine.gpus[1].available_in_s = 0.0005;  // twice 0.5 ms, then 2.8 ms: 3.8 ms beats copying to GPU 0
  EXPECT_EQ(decide_model(machine).kind, Decision::Kind::wait) << "the queue behind it goes to GPU 0 meanwhile";
  machine.gpus[1].available_in_s = 0.001;  // twice 1 ms, then 2.8 ms: 4.8 ms, while GPU 0 idles with a queue waiting
  Decision decision = decide_model(machine);
  ASSERT_EQ(decision.kind, Decision::Kind::place);
  EXPECT_EQ(decision.gpus, std::vector<int>{0});
  machine.task.queued_behind = 0;  // nothing waits behind it: 1 ms, then 2.8 ms, is sooner than copying
  EXPECT_EQ(decide_model(machine).kind, Decision::Kind::wait);
}

TEST(Policy, ModelCalibratesTheLeastMeasuredBodyFirst) {
  Machine machine = two_bodies(1.0, 0.001);
  machine.bodies[0].samples = 1;
  machine.bodies[1].samples = 0;
  machine.bodies[1].predicted_s = -1;
  EXPECT_EQ(decide_model(machine).variant, 1) << "the GPU body has never run";
  machine.bodies[1].samples = 2;
  machine.bodies[1].predicted_s = 0.001;
  EXPECT_EQ(decide_model(machine).variant, 0) << "1 CPU run against 2 GPU runs: the CPU body is measured next";
  machine.free_cpus = 0;  // it cannot run now: pack's choice among what fits
  EXPECT_EQ(decide_model(machine).variant, 1);
}

/// Decides with "dmdas", the links of decide_model, and room for `limit` committed tasks per device.
Decision decide_dmdas(Machine& machine, std::uint32_t limit = 4, std::uint32_t cpus_committed = 0) {
  Snapshot snapshot = machine.snapshot();
  snapshot.links = {10e9, 10e9, 5e9, 10e-6, true};
  snapshot.commit_limit = limit;
  snapshot.cpus_committed = cpus_committed;
  return make_policy("dmdas")->decide(snapshot);
}

TEST(Policy, DmdasCommitsToABusyGpuThatWouldStillFinishFirstAndWaitsWhenItsQueueIsFull) {
  Machine machine = two_bodies(0.030, 0.001);
  machine.gpus[0].free_units = 0;
  machine.gpus[0].available_in_s = 0.002;
  Decision decision = decide_dmdas(machine);
  ASSERT_EQ(decision.kind, Decision::Kind::commit) << "3 ms on the busy GPU beats 30 ms on a free CPU";
  EXPECT_EQ(decision.variant, 1);
  EXPECT_EQ(decision.gpus, std::vector<int>{0});
  machine.gpus[0].committed = 4;
  EXPECT_EQ(decide_dmdas(machine).kind, Decision::Kind::wait) << "four committed there already";
  machine.gpus[0].committed = 0;
  EXPECT_EQ(decide_dmdas(machine, 0).kind, Decision::Kind::wait) << "a scheduler without committed queues";
  EXPECT_EQ(decide_model(machine).kind, Decision::Kind::wait) << "model never commits";
}

TEST(Policy, DmdasSpillsToAFreeCpuOnceTheWorkCommittedToTheGpuOutlastsACpuRun) {
  Machine machine = two_bodies(0.030, 0.001);
  machine.gpus[0].free_units = 0;
  machine.gpus[0].committed = 3;
  machine.gpus[0].available_in_s = 0.040;  // what runs there and what is committed ahead: 40 ms
  Decision decision = decide_dmdas(machine);
  ASSERT_EQ(decision.kind, Decision::Kind::place);
  EXPECT_EQ(decision.variant, 0);
  EXPECT_TRUE(decision.gpus.empty());
  // No CPU free either, and the CPUs' own committed work ends in 5 ms: commit to the CPUs.
  machine.free_cpus = 0;
  machine.bodies[0].predicted_s = 0.020;
  Snapshot snapshot = machine.snapshot();
  snapshot.links = {10e9, 10e9, 5e9, 10e-6, true};
  snapshot.commit_limit = 4;
  snapshot.cpus_committed = 1;
  snapshot.cpus_available_in_s = 0.005;
  decision = make_policy("dmdas")->decide(snapshot);
  ASSERT_EQ(decision.kind, Decision::Kind::commit);
  EXPECT_EQ(decision.variant, 0);
  EXPECT_TRUE(decision.gpus.empty());
}

TEST(Policy, DmdasRunsOnAFreeGpuOnlyWhenNothingIsCommittedToIt) {
  Machine machine = two_bodies(0.030, 0.001, 2);
  Decision decision = decide_dmdas(machine);
  ASSERT_EQ(decision.kind, Decision::Kind::place);
  EXPECT_EQ(decision.gpus, std::vector<int>{0});
  // Device 0 is free but a task committed to it has not started yet (it would take it first): device 1 runs it.
  machine.gpus[0].committed = 1;
  machine.gpus[0].available_in_s = 0.001;
  decision = decide_dmdas(machine);
  ASSERT_EQ(decision.kind, Decision::Kind::place);
  EXPECT_EQ(decision.gpus, std::vector<int>{1});
}

TEST(Policy, DmdasChargesMovingTheInputsOnTopOfTheFinishTheyDelay) {
  // Both GPUs idle; the 10 MB input lives on device 1 (2 ms to move at 5 GB/s): device 1 runs it.
  Machine machine = two_bodies(1.0, 0.001, 2);
  machine.inputs = {{10'000'000, gpu_node_bit(1)}};
  EXPECT_EQ(decide_dmdas(machine).gpus, std::vector<int>{1});
  // Device 1 busy for 2.5 ms: finishing on device 0 (2 ms copy + 1 ms run) is earlier by 0.5 ms, but the copy is
  // charged once more (dmda's data penalty), so the task stays with its data: committed to device 1.
  machine.gpus[1].free_units = 0;
  machine.gpus[1].available_in_s = 0.0025;
  Decision decision = decide_dmdas(machine);
  ASSERT_EQ(decision.kind, Decision::Kind::commit);
  EXPECT_EQ(decision.gpus, std::vector<int>{1});
  EXPECT_EQ(decide_model(machine).gpus, std::vector<int>{0}) << "model looks at the finish alone";
}

/// Decides with `name`, the links of decide_model, room for 64 committed tasks per device, and `cpus_committed`
/// tasks committed to the CPUs.
Decision decide_committing(const char* name, Machine& machine, std::uint32_t cpus_committed = 0) {
  Snapshot snapshot = machine.snapshot();
  snapshot.cpus_committed = cpus_committed;
  snapshot.links = {10e9, 10e9, 5e9, 10e-6, true};
  snapshot.commit_limit = default_commit_limit;
  return make_policy(name)->decide(snapshot);
}

/// A task with mirage's TRSM timings (45.6 ms on a core, 6.39 ms on a GPU; StarPU's measurements) on 16 free cores and
/// 4 GPUs, each busy for `backlog_s` more with what runs and is committed there.
Machine trsm_behind_busy_gpus(double backlog_s) {
  Machine machine = two_bodies(0.0456, 0.00639, 4, 16);
  for (GpuView& gpu : machine.gpus) {
    gpu.free_units = 0;
    gpu.committed = 3;
    gpu.available_in_s = backlog_s;
  }
  return machine;
}

/// True for a placement of the CPU body (variant 0 in two_bodies) on the cores.
bool on_cores(const Decision& decision) {
  return decision.kind == Decision::Kind::place && decision.variant == 0 && decision.gpus.empty();
}

TEST(Policy, HeteroprioPutsATrsmOnAnIdleCoreWhileTheGpusAreBackloggedWhereDmdasCommitsItToAGpu) {
  // Each GPU has 20 ms of work waiting: a GPU would finish the TRSM at 26 ms, a core at 46 ms (within 3 x 20 ms).
  Machine machine = trsm_behind_busy_gpus(0.020);
  EXPECT_TRUE(on_cores(decide_committing("heteroprio", machine)));
  Decision dmdas = decide_committing("dmdas", machine);
  EXPECT_EQ(dmdas.kind, Decision::Kind::commit) << "earliest finish: the busy GPU";
  EXPECT_EQ(dmdas.variant, 1);
}

TEST(Policy, HeteroprioLeavesATaskToDmdasWhenTheCoreWouldFinishItTooLatePastTheGpusDrain) {
  // 15 ms waiting per GPU: a core's 46 ms is past 3 x 15 ms.
  Machine machine = trsm_behind_busy_gpus(0.015);
  Decision decision = decide_committing("heteroprio", machine);
  EXPECT_EQ(decision.kind, Decision::Kind::commit);
  EXPECT_EQ(decision.variant, 1);
  // A GEMM (87.8 ms on a core, 2.8 ms on a GPU) behind the 20 ms that sends a TRSM to a core stays on a GPU: the
  // kinds the GPUs gain most on go to the cores last.
  machine = trsm_behind_busy_gpus(0.020);
  machine.bodies[0].predicted_s = 0.0878;
  machine.bodies[1].predicted_s = 0.0028;
  EXPECT_EQ(decide_committing("heteroprio", machine).variant, 1);
  // Idle GPUs: nothing waits for them, the GPU runs it.
  machine = two_bodies(0.0456, 0.00639, 4, 16);
  decision = decide_committing("heteroprio", machine);
  ASSERT_EQ(decision.kind, Decision::Kind::place);
  EXPECT_EQ(decision.variant, 1);
}

TEST(Policy, HeteroprioCountsTheTasksQueuedBehindInTheGpusDrain) {
  // 10 ms waiting per GPU is not enough for a core to take the TRSM; eight more TRSMs queued behind it add 8 x 6.39 ms
  // over 4 GPUs, and then it is (3 x 22.8 ms > 46 ms).
  Machine machine = trsm_behind_busy_gpus(0.010);
  EXPECT_EQ(decide_committing("heteroprio", machine).variant, 1);
  machine.task.queued_behind = 8;
  EXPECT_TRUE(on_cores(decide_committing("heteroprio", machine)));
}

TEST(Policy, HeteroprioDecidesAsDmdasForACriticalTaskBusyCoresOrAnUncalibratedBody) {
  const auto same_as_dmdas = [](Machine machine, const char* why, bool gpu_expected = true,
                                 std::uint32_t cpus_committed = 0) {
    const Decision dmdas = decide_committing("dmdas", machine, cpus_committed);
    const Decision heteroprio = decide_committing("heteroprio", machine, cpus_committed);
    EXPECT_EQ(heteroprio.kind, dmdas.kind) << why;
    EXPECT_EQ(heteroprio.variant, dmdas.variant) << why;
    EXPECT_EQ(heteroprio.gpus, dmdas.gpus) << why;
    if (gpu_expected) {
      EXPECT_FALSE(on_cores(heteroprio)) << why;
    }
  };
  Machine machine = trsm_behind_busy_gpus(0.020);
  machine.task.priority = 1;
  same_as_dmdas(machine, "above the default priority: the critical path, earliest finish");
  machine = trsm_behind_busy_gpus(0.020);
  machine.free_cpus = 0;
  same_as_dmdas(machine, "no core free now");
  same_as_dmdas(trsm_behind_busy_gpus(0.020), "a task committed to the CPUs takes the next free core", true, 1);
  machine = trsm_behind_busy_gpus(0.020);
  machine.bodies[0].samples = 1;
  same_as_dmdas(machine, "the CPU body is still being calibrated (model runs it to measure it)", false);
  machine = trsm_behind_busy_gpus(0.020);
  machine.bodies.pop_back();
  machine.bodies[0].gpu_units = 0;
  EXPECT_TRUE(on_cores(decide_committing("heteroprio", machine))) << "a CPU-only task runs on a free core";
}

TEST(Policy, AOneBodyTaskWithoutAModelIsPlacedAsPackPlacesIt) {
  Machine machine({whole, half}, half);
  EXPECT_EQ(placed(decide_model(machine)), std::vector<int>{1});
}

TEST(Policy, SimplePoliciesRunTheGpuBodyWhenAGpuIsFreeAndTheCpuBodyOtherwise) {
  for (const char* name : {"pack", "spread", "locality", "random"}) {
    Machine machine = two_bodies(1.0, 1.0);
    machine.inputs = {{10, host_node_bit}};
    Decision decision = machine.decide(name);
    EXPECT_EQ(decision.variant, 1) << name;
    machine.gpus[0].free_units = 0;
    decision = machine.decide(name);
    EXPECT_EQ(decision.kind, Decision::Kind::place) << name;
    EXPECT_EQ(decision.variant, 0) << name;
    machine.free_cpus = 0;
    EXPECT_EQ(machine.decide(name).kind, Decision::Kind::wait) << name;
  }
}

TEST(Policy, EveryPolicyRefusesATaskNoBodyOfWhichCouldEverRun) {
  for (const char* name : every_policy) {
    Machine machine = two_bodies(1.0, 1.0);
    machine.bodies[0].cpu_units = 3 * whole;  // more than the machine's two CPUs
    machine.bodies[1].gpu_memory = 100;
    machine.gpus[0].total_memory = machine.gpus[0].free_memory = 99;
    Snapshot snapshot = machine.snapshot();
    EXPECT_EQ(make_policy(name)->decide(snapshot).kind, Decision::Kind::infeasible) << name;
    machine.gpus[0].total_memory = 100;
    snapshot = machine.snapshot();
    EXPECT_EQ(make_policy(name)->decide(snapshot).kind, Decision::Kind::wait) << name;
  }
}

TEST(Policy, MakePolicyKnowsItsNamesAndListsThemForAnyOther) {
  for (const char* name : {"pack", "spread", "locality", "model", "dmdas", "heteroprio", "random"}) {
    EXPECT_EQ(make_policy(name)->name(), name);
  }
  EXPECT_EQ(make_policy("random:42")->name(), "random") << "the default seed spelled out is the same policy";
  EXPECT_EQ(make_policy("random:9")->name(), "random:9");
  for (const char* wrong : {"first_fit", "random:", "random:x", "random:-1", "Pack"}) {
    try {
      make_policy(wrong);
      FAIL() << "an unknown policy must be refused: " << wrong;
    } catch (const UsageError& e) {
      std::string message = e.what();
      EXPECT_NE(message.find(wrong), std::string::npos) << message;
      for (const char* known :
           {"\"pack\"", "\"spread\"", "\"locality\"", "\"model\"", "\"dmdas\"", "\"heteroprio\"", "\"random\""}) {
        EXPECT_NE(message.find(known), std::string::npos) << message;
      }
    }
  }
}

}  // namespace
}  // namespace hetsched::detail
