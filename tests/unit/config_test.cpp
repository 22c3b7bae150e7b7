// Config: defaults from detection, HETSCHED_* environment overrides, and malformed settings.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "test_support.hpp"

namespace {

using hetsched_test::contains;
using hetsched_test::make_config;
using hetsched_test::ScopedEnv;
using ResourceMap = std::map<std::string, double>;

/// Clears every HETSCHED_* override this file knows about for the life of a test, and restores them afterwards.
class CleanEnvironment : public ::testing::Test {
 protected:
  ScopedEnv cpus_{"HETSCHED_NUM_CPUS", std::nullopt};
  ScopedEnv gpus_{"HETSCHED_NUM_GPUS", std::nullopt};
  ScopedEnv resources_{"HETSCHED_RESOURCES", std::nullopt};
  ScopedEnv placement_{"HETSCHED_PLACEMENT", std::nullopt};
  ScopedEnv gpu_completion_{"HETSCHED_GPU_COMPLETION", std::nullopt};
  ScopedEnv perf_model_{"HETSCHED_PERF_MODEL", std::nullopt};
};

/// A config that reads the environment, with fields the environment should override.
hetsched::Config config_reading_environment() {
  hetsched::Config config = make_config(1, 0);
  config.read_environment = true;
  return config;
}

/// Expects constructing a Runtime from `config` to throw a UsageError (what every malformed HETSCHED_* value is)
/// whose message names `variable` and contains each of `mentions`.
void expect_rejected_naming(const hetsched::Config& config, const std::string& variable,
                            const std::vector<std::string>& mentions = {}) {
  try {
    hetsched::Runtime rt{config};
    ADD_FAILURE() << "expected the Runtime to reject " << variable;
  } catch (const hetsched::UsageError& error) {
    EXPECT_TRUE(contains(error.what(), variable)) << "the message does not name " << variable << ": " << error.what();
    for (const std::string& mention : mentions) EXPECT_TRUE(contains(error.what(), mention)) << error.what();
  } catch (const hetsched::Error& error) {
    ADD_FAILURE() << "a malformed " << variable << " should be a UsageError, got " << typeid(error).name() << ": "
                  << error.what();
  }
}

/// The first GPU each of two gpus(0.5) tasks that run at once gets (-1 when they did not meet).
std::vector<int> devices_of_two_halves(hetsched::Runtime& rt) {
  hetsched_test::Rendezvous both(2);
  std::vector<hetsched::ObjectRef<int>> devices;
  for (int i = 0; i < 2; ++i) {
    devices.push_back(rt.task([&both](hetsched::TaskContext& ctx) {
                          return both.arrive_and_wait() ? ctx.gpu_ids()[0] : -1;
                        })
                          .gpus(0.5)
                          .remote());
  }
  return rt.get(devices);
}

using Config = CleanEnvironment;

TEST_F(Config, DefaultsToTheDetectedHardware) {
  hetsched::Config config;
  config.read_environment = false;
  hetsched::Runtime rt{config};
  const hetsched::HardwareInfo& hardware = rt.hardware();
  EXPECT_GE(hardware.usable_cores, 1);
  EXPECT_GE(hardware.online_cores, hardware.usable_cores);
  EXPECT_GT(hardware.memory_bytes, 0u);
  if (hardware.gpus.empty()) {
    EXPECT_FALSE(hardware.gpu_note.empty()) << "gpu_note should say why no GPU was found";
  }
  auto totals = rt.total_resources();
  EXPECT_EQ(totals["CPU"], static_cast<double>(hardware.usable_cores));
  EXPECT_EQ(totals["GPU"], static_cast<double>(hardware.gpus.size()));
}

TEST_F(Config, DetectsHardwareWithoutAThrow) {
  hetsched::HardwareInfo hardware = hetsched::detect_hardware();
  EXPECT_GE(hardware.usable_cores, 1);
  for (const auto& gpu : hardware.gpus) EXPECT_FALSE(gpu.name.empty());
}

TEST_F(Config, UsesTheFieldsSetInCode) {
  hetsched::Runtime rt{make_config(5, 3, {{"Disk", 1}, {"Custom", 0.5}})};
  EXPECT_EQ(rt.total_resources(), (ResourceMap{{"CPU", 5}, {"GPU", 3}, {"Disk", 1}, {"Custom", 0.5}}));
}

TEST_F(Config, HonoursNumCpusFromTheEnvironment) {
  ScopedEnv env("HETSCHED_NUM_CPUS", "3");
  hetsched::Runtime rt{config_reading_environment()};
  EXPECT_EQ(rt.total_resources()["CPU"], 3.0);
}

TEST_F(Config, HonoursNumGpusFromTheEnvironment) {
  ScopedEnv env("HETSCHED_NUM_GPUS", "2");
  hetsched::Runtime rt{config_reading_environment()};
  EXPECT_EQ(rt.total_resources()["GPU"], 2.0);
}

TEST_F(Config, HonoursResourcesGivenAsJson) {
  ScopedEnv env("HETSCHED_RESOURCES", R"({"Custom": 2})");
  hetsched::Runtime rt{config_reading_environment()};
  EXPECT_EQ(rt.total_resources()["Custom"], 2.0);
  EXPECT_EQ(rt.get(rt.task([] { return 1; }).resource("Custom", 2).remote()), 1);
}

TEST_F(Config, HonoursResourcesGivenAsNameEqualsQuantityPairs) {
  ScopedEnv env("HETSCHED_RESOURCES", "Custom=2,Disk=1");
  hetsched::Runtime rt{config_reading_environment()};
  auto totals = rt.total_resources();
  EXPECT_EQ(totals["Custom"], 2.0);
  EXPECT_EQ(totals["Disk"], 1.0);
}

TEST_F(Config, AppliesEveryOverrideTogether) {
  ScopedEnv cpus("HETSCHED_NUM_CPUS", "4");
  ScopedEnv gpus("HETSCHED_NUM_GPUS", "1");
  ScopedEnv resources("HETSCHED_RESOURCES", R"({"Custom": 0.5})");
  hetsched::Runtime rt{config_reading_environment()};
  EXPECT_EQ(rt.total_resources(), (ResourceMap{{"CPU", 4}, {"GPU", 1}, {"Custom", 0.5}}));
}

TEST_F(Config, IgnoresTheEnvironmentWhenToldTo) {
  ScopedEnv cpus("HETSCHED_NUM_CPUS", "3");
  ScopedEnv gpus("HETSCHED_NUM_GPUS", "2");
  ScopedEnv resources("HETSCHED_RESOURCES", "Custom=2");
  ScopedEnv placement("HETSCHED_PLACEMENT", "spread");
  hetsched::Runtime rt{make_config(1, 0)};
  auto totals = rt.total_resources();
  EXPECT_EQ(totals["CPU"], 1.0);
  EXPECT_EQ(totals.count("GPU") ? totals["GPU"] : 0.0, 0.0);
  EXPECT_EQ(totals.count("Custom"), 0u);
}

TEST_F(Config, IgnoresMalformedVariablesWhenToldTo) {
  ScopedEnv cpus("HETSCHED_NUM_CPUS", "many");
  ScopedEnv resources("HETSCHED_RESOURCES", "{not json");
  ScopedEnv placement("HETSCHED_PLACEMENT", "best");
  ScopedEnv completion("HETSCHED_GPU_COMPLETION", "callbacks");
  hetsched::Runtime rt{make_config(2)};
  EXPECT_EQ(rt.total_resources()["CPU"], 2.0);
}

TEST_F(Config, RejectsAMalformedNumCpusNamingTheVariable) {
  for (std::string value : {"many", "2x", "-1", "1.5", "99999999999999999999"}) {
    SCOPED_TRACE(value);
    ScopedEnv env("HETSCHED_NUM_CPUS", value);
    expect_rejected_naming(config_reading_environment(), "HETSCHED_NUM_CPUS");
  }
}

TEST_F(Config, RejectsAMalformedNumGpusNamingTheVariable) {
  for (std::string value : {"two", "-2", "0.5"}) {
    SCOPED_TRACE(value);
    ScopedEnv env("HETSCHED_NUM_GPUS", value);
    expect_rejected_naming(config_reading_environment(), "HETSCHED_NUM_GPUS");
  }
}

TEST_F(Config, RejectsMalformedResourcesNamingTheVariable) {
  for (std::string value : {R"({"Custom": )", R"({"Custom": "two"})", R"(["Custom", 2])", "Custom", "Custom=",
                            "Custom=abc", "=2", "Custom=-1", "Custom=1.5", "Custom=1,Custom=2",
                            R"({"Custom": 1, "Custom": 2})", "my resource=1", "[1,2]", "CPU=1"}) {
    SCOPED_TRACE(value);
    ScopedEnv env("HETSCHED_RESOURCES", value);
    expect_rejected_naming(config_reading_environment(), "HETSCHED_RESOURCES");
  }
}

TEST_F(Config, HonoursPlacementFromTheEnvironment) {
  {
    hetsched::Runtime pack{make_config(4, 2)};
    EXPECT_EQ(devices_of_two_halves(pack), (std::vector<int>{0, 0})) << "pack, the default, fills device 0 first";
  }
  ScopedEnv env("HETSCHED_PLACEMENT", "spread");
  hetsched::Config config = make_config(4, 2);
  config.read_environment = true;
  hetsched::Runtime spread{config};
  EXPECT_EQ(devices_of_two_halves(spread), (std::vector<int>{0, 1})) << "spread puts the second half on device 1";
}

TEST_F(Config, RejectsAnUnknownPlacementNamingTheVariableAndTheChoices) {
  for (std::string value : {"best", "", "Pack"}) {
    SCOPED_TRACE(value);
    ScopedEnv env("HETSCHED_PLACEMENT", value);
    expect_rejected_naming(config_reading_environment(), "HETSCHED_PLACEMENT", {"\"pack\"", "\"spread\""});
  }
}

TEST_F(Config, RejectsAPerfModelFileThatCouldNeverBeWrittenNamingTheVariable) {
  ScopedEnv env("HETSCHED_PERF_MODEL", "/no/such/directory/models.json");
  expect_rejected_naming(config_reading_environment(), "HETSCHED_PERF_MODEL", {"does not exist"});
  hetsched::Config config = make_config(1, 0);
  config.perf_model_path = "";
  expect_rejected_naming(config, "Config::perf_model_path");
}

TEST_F(Config, AcceptsEitherGpuCompletionFromTheEnvironment) {
  for (const char* mode : {"events", "host_functions"}) {
    ScopedEnv env("HETSCHED_GPU_COMPLETION", mode);
    hetsched::Config config = make_config(1, 1);
    config.read_environment = true;
    hetsched::Runtime rt{config};
    EXPECT_EQ(rt.get(rt.task([] { return 7; }).remote()), 7) << mode;
  }
}

TEST_F(Config, RejectsAnUnknownGpuCompletionNamingTheVariableAndTheChoices) {
  for (std::string value : {"callbacks", ""}) {
    SCOPED_TRACE(value);
    ScopedEnv env("HETSCHED_GPU_COMPLETION", value);
    expect_rejected_naming(config_reading_environment(), "HETSCHED_GPU_COMPLETION",
                           {"\"events\"", "\"host_functions\""});
  }
}

TEST_F(Config, RejectsMalformedQuantitiesSetInCode) {
  for (double quantity : {-1.0, 1.5, 1e-5}) {
    SCOPED_TRACE(quantity);
    EXPECT_THROW(hetsched::Runtime{make_config(1, 0, {{"Custom", quantity}})}, hetsched::ResourceError);
  }
}

TEST_F(Config, RejectsANegativeCpuOrGpuCount) {
  EXPECT_THROW(hetsched::Runtime{make_config(-1, 0)}, hetsched::Error);
  EXPECT_THROW(hetsched::Runtime{make_config(1, -1)}, hetsched::Error);
}

TEST_F(Config, GpuCompletionAcceptsItsTwoModesAndNamesThemForAnyOther) {
  for (const char* mode : {"events", "host_functions"}) {
    auto config = make_config(1, 1);  // the GPU is logical where there is none: the setting is still checked
    config.gpu_completion = mode;
    hetsched::Runtime rt{config};
    EXPECT_EQ(rt.get(rt.task([] { return 7; }).remote()), 7) << mode;
  }
  auto config = make_config(1, 1);
  config.gpu_completion = "callbacks";
  try {
    hetsched::Runtime rt{config};
    ADD_FAILURE() << "an unknown completion mode must be refused";
  } catch (const hetsched::UsageError& error) {
    EXPECT_TRUE(contains(error.what(), "host_functions")) << error.what();
  }
}

}  // namespace
