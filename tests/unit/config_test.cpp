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
};

/// A config that reads the environment, with fields the environment should override.
hetsched::Config config_reading_environment() {
  hetsched::Config config = make_config(1, 0);
  config.read_environment = true;
  return config;
}

/// Expects constructing a Runtime from `config` to throw a UsageError or ResourceError whose message names `variable`.
void expect_rejected_naming(const hetsched::Config& config, const std::string& variable) {
  try {
    hetsched::Runtime rt{config};
    ADD_FAILURE() << "expected the Runtime to reject " << variable;
  } catch (const hetsched::Error& error) {
    bool expected_type = dynamic_cast<const hetsched::UsageError*>(&error) != nullptr ||
                         dynamic_cast<const hetsched::ResourceError*>(&error) != nullptr;
    EXPECT_TRUE(expected_type) << "a malformed setting should be a UsageError or ResourceError, got "
                               << typeid(error).name() << ": " << error.what();
    EXPECT_TRUE(contains(error.what(), variable)) << "the message does not name " << variable << ": " << error.what();
  }
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
  hetsched::Runtime rt{make_config(1, 0)};
  auto totals = rt.total_resources();
  EXPECT_EQ(totals["CPU"], 1.0);
  EXPECT_EQ(totals.count("GPU") ? totals["GPU"] : 0.0, 0.0);
  EXPECT_EQ(totals.count("Custom"), 0u);
}

TEST_F(Config, IgnoresMalformedVariablesWhenToldTo) {
  ScopedEnv cpus("HETSCHED_NUM_CPUS", "many");
  ScopedEnv resources("HETSCHED_RESOURCES", "{not json");
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
                            "Custom=abc", "=2", "Custom=-1", "Custom=1.5"}) {
    SCOPED_TRACE(value);
    ScopedEnv env("HETSCHED_RESOURCES", value);
    expect_rejected_naming(config_reading_environment(), "HETSCHED_RESOURCES");
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
