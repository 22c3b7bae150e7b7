// Config defaults and the HETSCHED_* environment overrides, with a fake environment.
#include "config_resolution.hpp"

#include <gtest/gtest.h>

#include <map>

#include "hetsched/error.hpp"

namespace hetsched::detail {
namespace {

std::map<std::string, std::string> fake_environment;

std::optional<std::string> lookup_fake(const char* name) {
  auto it = fake_environment.find(name);
  if (it == fake_environment.end()) return std::nullopt;
  return it->second;
}

HardwareInfo two_cores() {
  HardwareInfo hardware;
  hardware.usable_cores = 2;
  return hardware;
}

class ConfigResolution : public ::testing::Test {
 protected:
  void SetUp() override { fake_environment.clear(); }
};

TEST_F(ConfigResolution, DefaultsComeFromTheHardware) {
  auto resolved = resolve_config(Config{}, two_cores(), lookup_fake);
  EXPECT_EQ(resolved.num_cpus, 2);
  EXPECT_EQ(resolved.num_gpus, 0);
}

TEST_F(ConfigResolution, EnvironmentOverridesTheConfig) {
  fake_environment = {{"HETSCHED_NUM_CPUS", "8"}, {"HETSCHED_NUM_GPUS", " 3 "}, {"HETSCHED_RESOURCES", "A=2, B=0.5"}};
  Config config;
  config.num_cpus = 4;
  auto resolved = resolve_config(config, two_cores(), lookup_fake);
  EXPECT_EQ(resolved.num_cpus, 8);
  EXPECT_EQ(resolved.num_gpus, 3);
  EXPECT_EQ(resolved.custom_units, (std::map<std::string, std::int64_t>{{"A", 20000}, {"B", 5000}}));
}

TEST_F(ConfigResolution, ReadEnvironmentFalseIgnoresIt) {
  fake_environment = {{"HETSCHED_NUM_CPUS", "8"}};
  Config config;
  config.read_environment = false;
  EXPECT_EQ(resolve_config(config, two_cores(), lookup_fake).num_cpus, 2);
}

TEST_F(ConfigResolution, ResourcesAcceptJson) {
  EXPECT_EQ(parse_resource_list(R"({"Custom": 2, "Disk": 0.25})"),
            (std::map<std::string, double>{{"Custom", 2}, {"Disk", 0.25}}));
}

TEST_F(ConfigResolution, MalformedVariablesAreUsageErrorsNamingThem) {
  for (const char* bad : {"abc", "-1", "2.5", "", "99999"}) {
    fake_environment = {{"HETSCHED_NUM_CPUS", bad}};
    try {
      resolve_config(Config{}, two_cores(), lookup_fake);
      ADD_FAILURE() << "accepted HETSCHED_NUM_CPUS=" << bad;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("HETSCHED_NUM_CPUS"), std::string::npos);
    }
  }
  EXPECT_THROW(parse_resource_list("{not json"), UsageError);
  EXPECT_THROW(parse_resource_list("[1, 2]"), UsageError);
  EXPECT_THROW(parse_resource_list(R"({"A": "two"})"), UsageError);
  EXPECT_THROW(parse_resource_list("A"), UsageError);
  EXPECT_THROW(parse_resource_list("A=x"), UsageError);
}

TEST_F(ConfigResolution, MalformedQuantitiesAreResourceErrors) {
  fake_environment = {{"HETSCHED_RESOURCES", "A=1.5"}};
  EXPECT_THROW(resolve_config(Config{}, two_cores(), lookup_fake), ResourceError);
  fake_environment = {{"HETSCHED_RESOURCES", "CPU=4"}};
  EXPECT_THROW(resolve_config(Config{}, two_cores(), lookup_fake), ResourceError);
  Config negative;
  negative.num_cpus = -1;
  EXPECT_THROW(resolve_config(negative, two_cores(), lookup_fake), ResourceError);
}

}  // namespace
}  // namespace hetsched::detail
