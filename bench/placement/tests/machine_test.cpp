// Machines: the --machine spec, the shipped machine files, and the errors a user sees.
#include <gtest/gtest.h>

#include "hetsched/error.hpp"
#include "machine.hpp"

namespace hetsched::bench {
namespace {

TEST(Machine, ASpecSetsEveryFigureWithItsUnits) {
  const Machine m = parse_machine("cpus=16,gpus=4,gpu_mem=80GiB,h2d=25GB/s,d2h=20GB/s,d2d=300GB/s,latency=10us");
  EXPECT_EQ(m.cpus, 16);
  EXPECT_EQ(m.gpus, 4);
  EXPECT_EQ(m.gpu_memory, 80ULL << 30);
  EXPECT_DOUBLE_EQ(m.links.host_to_device, 25e9);
  EXPECT_DOUBLE_EQ(m.links.device_to_host, 20e9);
  EXPECT_DOUBLE_EQ(m.links.device_to_device, 300e9);
  EXPECT_DOUBLE_EQ(m.links.latency_s, 10e-6);
}

TEST(Machine, MirageHasStarPUsMeasuredSpeedupsAtTile960) {
  const Machine m = parse_machine(HETSCHED_MACHINES_DIR "/mirage.json");
  EXPECT_EQ(m.cpus, 12);
  EXPECT_EQ(m.gpus, 3);
  // chol_model_11/21/22.mirage: POTRF, TRSM, SYRK and GEMM are about 3.5x, 7x, 31x and 31x faster on one GPU.
  auto speedup = [&](const char* kind) { return m.kernels.at(kind).cpu_s / m.kernels.at(kind).gpu_s; };
  EXPECT_NEAR(speedup("potrf"), 3.5, 0.05);
  EXPECT_NEAR(speedup("trsm"), 7.1, 0.05);
  EXPECT_NEAR(speedup("syrk"), 31.3, 0.05);
  EXPECT_NEAR(speedup("gemm"), 31.3, 0.05);
}

TEST(Machine, AShippedMachineByNameTakesOverridesAfterIt) {
  const Machine m = parse_machine("h200x8,gpus=2,cpus=8");
  EXPECT_EQ(m.gpus, 2);
  EXPECT_EQ(m.cpus, 8);
  EXPECT_GT(m.kernels.at("gemm").cpu_s, m.kernels.at("gemm").gpu_s);
}

TEST(Machine, TimingsScaleWithATasksFlops) {
  const Machine m = parse_machine("mirage");
  const double at_960 = kernel_seconds(m, "gemm", 2.0 * 960 * 960 * 960, true);
  EXPECT_DOUBLE_EQ(at_960, m.kernels.at("gemm").gpu_s);
  EXPECT_DOUBLE_EQ(kernel_seconds(m, "gemm", 2.0 * 480 * 480 * 480, true), at_960 / 8);
  EXPECT_LT(kernel_seconds(m, "unknown_kind", 1e9, true), 0);  // mirage has no FLOP rates
}

/// The message of the UsageError that parsing `spec` throws.
std::string error_of(const std::string& spec) {
  try {
    parse_machine(spec);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Machine, AMalformedSpecShowsTheOffendingItemAndTheExpectedForm) {
  for (const char* spec : {"cpus=x", "gpus=4,h2d=3GBs", "cpus=4,speed=9", "cpus=4,gpus", "gpus=99"}) {
    SCOPED_TRACE(spec);
    const std::string message = error_of(spec);
    EXPECT_NE(message.find("expected [FILE.json,]key=value"), std::string::npos) << message;
  }
  EXPECT_NE(error_of("cpus=4,h2d=3GBs").find("'h2d=3GBs'"), std::string::npos);
  EXPECT_NE(error_of("no_such_machine").find("mirage"), std::string::npos);  // lists the shipped machines
}

}  // namespace
}  // namespace hetsched::bench
