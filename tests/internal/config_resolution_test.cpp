// Config defaults and the HETSCHED_* environment overrides, with a fake environment.
#include "config_resolution.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

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

/// Two cores and `gpus` CUDA devices of 10 GiB each.
HardwareInfo two_cores_and_gpus(int gpus) {
  HardwareInfo hardware = two_cores();
  for (int index = 0; index < gpus; ++index) {
    GpuInfo gpu;
    gpu.index = index;
    gpu.memory_bytes = std::size_t{10} << 30;
    hardware.gpus.push_back(gpu);
  }
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

TEST_F(ConfigResolution, PlacementPolicyComesFromTheConfigThenTheEnvironment) {
  Config config;
  EXPECT_EQ(resolve_config(config, two_cores(), lookup_fake).placement_policy, "pack");
  config.placement_policy = "spread";
  EXPECT_EQ(resolve_config(config, two_cores(), lookup_fake).placement_policy, "spread");
  config.placement_policy = "pack";
  fake_environment = {{"HETSCHED_PLACEMENT", " spread "}};
  EXPECT_EQ(resolve_config(config, two_cores(), lookup_fake).placement_policy, "spread");
  config.read_environment = false;
  EXPECT_EQ(resolve_config(config, two_cores(), lookup_fake).placement_policy, "pack");
}

TEST_F(ConfigResolution, GpuCompletionComesFromTheConfigThenTheEnvironment) {
  Config config;
  EXPECT_EQ(resolve_config(config, two_cores(), lookup_fake).gpu_completion, GpuCompletion::events);
  config.gpu_completion = "host_functions";
  EXPECT_EQ(resolve_config(config, two_cores(), lookup_fake).gpu_completion, GpuCompletion::host_functions);
  fake_environment = {{"HETSCHED_GPU_COMPLETION", "events"}};
  EXPECT_EQ(resolve_config(config, two_cores(), lookup_fake).gpu_completion, GpuCompletion::events);
  config.read_environment = false;
  EXPECT_EQ(resolve_config(config, two_cores(), lookup_fake).gpu_completion, GpuCompletion::host_functions);
}

/// The message of the UsageError that resolving `config` throws (empty, with a failure, when it throws none).
std::string usage_error_of(const Config& config) {
  try {
    resolve_config(config, two_cores(), lookup_fake);
    ADD_FAILURE() << "expected a UsageError";
  } catch (const UsageError& e) {
    return e.what();
  }
  return {};
}

TEST_F(ConfigResolution, AdviceGoesToTheSinkSetInCodeUnlessTheEnvironmentSaysOff) {
  int heard = 0;
  Config config;
  config.advice = [&](const Advice&) { ++heard; };
  const Advice advice{AdviceKind::tiny_tasks, "x"};
  resolve_config(config, two_cores(), lookup_fake).advice(advice);
  EXPECT_EQ(heard, 1);
  EXPECT_TRUE(resolve_config(Config{}, two_cores(), lookup_fake).advice) << "stderr by default";
  fake_environment = {{"HETSCHED_ADVICE", " OFF "}};
  EXPECT_FALSE(resolve_config(config, two_cores(), lookup_fake).advice);
  fake_environment = {{"HETSCHED_ADVICE", "on"}};
  resolve_config(config, two_cores(), lookup_fake).advice(advice);
  EXPECT_EQ(heard, 2) << "on keeps the sink set in code";
  Config silenced;
  silenced.advice = nullptr;
  EXPECT_TRUE(resolve_config(silenced, two_cores(), lookup_fake).advice) << "on brings a silenced advisor back";
  fake_environment.clear();
  EXPECT_FALSE(resolve_config(silenced, two_cores(), lookup_fake).advice);
  fake_environment = {{"HETSCHED_ADVICE", "off"}};
  silenced.read_environment = false;
  config.read_environment = false;
  EXPECT_TRUE(resolve_config(config, two_cores(), lookup_fake).advice) << "read_environment = false ignores it";
}

TEST_F(ConfigResolution, AnUnknownPlacementPolicyNamesWhereItCameFromAndTheChoices) {
  Config config;
  config.placement_policy = "best";
  std::string from_code = usage_error_of(config);
  EXPECT_NE(from_code.find("Config::placement_policy"), std::string::npos) << from_code;
  fake_environment = {{"HETSCHED_PLACEMENT", "best"}};
  config.placement_policy = "pack";
  std::string from_environment = usage_error_of(config);
  EXPECT_NE(from_environment.find("HETSCHED_PLACEMENT"), std::string::npos) << from_environment;
  for (const std::string& message : {from_code, from_environment}) {
    EXPECT_NE(message.find("\"pack\""), std::string::npos) << message;
    EXPECT_NE(message.find("\"spread\""), std::string::npos) << message;
  }
}

TEST_F(ConfigResolution, AnUnknownGpuCompletionNamesWhereItCameFromAndTheChoices) {
  Config config;
  config.gpu_completion = "callbacks";
  std::string from_code = usage_error_of(config);
  EXPECT_NE(from_code.find("Config::gpu_completion"), std::string::npos) << from_code;
  fake_environment = {{"HETSCHED_GPU_COMPLETION", "callbacks"}};
  config.gpu_completion = "events";
  std::string from_environment = usage_error_of(config);
  EXPECT_NE(from_environment.find("HETSCHED_GPU_COMPLETION"), std::string::npos) << from_environment;
  for (const std::string& message : {from_code, from_environment}) {
    EXPECT_NE(message.find("\"events\""), std::string::npos) << message;
    EXPECT_NE(message.find("\"host_functions\""), std::string::npos) << message;
  }
}

TEST_F(ConfigResolution, EveryMalformedVariableIsAUsageErrorNamingIt) {
  const std::vector<std::pair<std::string, std::string>> malformed = {
      {"HETSCHED_NUM_CPUS", "abc"}, {"HETSCHED_NUM_CPUS", "-1"}, {"HETSCHED_NUM_CPUS", "2.5"},
      {"HETSCHED_NUM_CPUS", ""}, {"HETSCHED_NUM_CPUS", "99999"},
      {"HETSCHED_NUM_GPUS", "two"}, {"HETSCHED_NUM_GPUS", "-2"},
      {"HETSCHED_RESOURCES", "{not json"}, {"HETSCHED_RESOURCES", "[1, 2]"}, {"HETSCHED_RESOURCES", R"({"A": "two"})"},
      {"HETSCHED_RESOURCES", "A"}, {"HETSCHED_RESOURCES", "A=x"}, {"HETSCHED_RESOURCES", "A=1,A=2"},
      {"HETSCHED_RESOURCES", "a b=1"}, {"HETSCHED_RESOURCES", "A=1.5"}, {"HETSCHED_RESOURCES", "A=-1"},
      {"HETSCHED_RESOURCES", "A=0.00001"}, {"HETSCHED_RESOURCES", "CPU=4"}, {"HETSCHED_RESOURCES", R"({"GPU": 1})"},
      {"HETSCHED_PLACEMENT", "best"}, {"HETSCHED_PLACEMENT", ""},
      {"HETSCHED_GPU_COMPLETION", "callbacks"}, {"HETSCHED_GPU_COMPLETION", ""},
      {"HETSCHED_ADVICE", "quiet"}, {"HETSCHED_ADVICE", ""},
  };

  for (const auto& [variable, value] : malformed) {
    SCOPED_TRACE(variable + "='" + value + "'");
    fake_environment = {{variable, value}};
    std::string message = usage_error_of(Config{});
    EXPECT_NE(message.find(variable), std::string::npos) << message;
  }
}

TEST_F(ConfigResolution, BadFieldsSetInCodeKeepTheirOwnTypes) {
  Config quantity;
  quantity.resources = {{"A", 1.5}};
  EXPECT_THROW(resolve_config(quantity, two_cores(), lookup_fake), ResourceError);
  Config reserved;
  reserved.resources = {{"CPU", 4}};
  EXPECT_THROW(resolve_config(reserved, two_cores(), lookup_fake), ResourceError);
  Config spaced;
  spaced.resources = {{"a b", 1}};
  EXPECT_THROW(resolve_config(spaced, two_cores(), lookup_fake), ResourceError);
  Config negative;
  negative.num_cpus = -1;
  EXPECT_THROW(resolve_config(negative, two_cores(), lookup_fake), ResourceError);
  Config policy;
  policy.placement_policy = "best";
  EXPECT_THROW(resolve_config(policy, two_cores(), lookup_fake), UsageError);
}

/// The message of the UsageError parse_resource_list throws for `text` (empty, with a failure, when it throws none).
std::string resource_list_error(const std::string& text) {
  try {
    parse_resource_list(text);
    ADD_FAILURE() << "accepted HETSCHED_RESOURCES='" << text << "'";
  } catch (const UsageError& e) {
    return e.what();
  }
  return {};
}

TEST_F(ConfigResolution, ResourcesNamedTwiceAreRefusedNamingTheDuplicate) {
  for (const char* text : {R"({"a": 1, "a": 2})", "a=1,a=2", "a=1, b=1, a =1"}) {
    SCOPED_TRACE(text);
    std::string message = resource_list_error(text);
    EXPECT_NE(message.find("'a'"), std::string::npos) << message;
    EXPECT_NE(message.find("twice"), std::string::npos) << message;
  }
}

TEST_F(ConfigResolution, JsonThatIsNotAnObjectSaysWhatShapeIsExpected) {
  const std::string expected =
      R"(HETSCHED_RESOURCES must be a JSON object like {"Custom": 2} or a list like Custom=2,Disk=1)";
  for (const char* text : {"[1,2]", "[\"Custom\", 2]", "2", "\"Custom\""}) {
    SCOPED_TRACE(text);
    std::string message = resource_list_error(text);
    EXPECT_NE(message.find(expected), std::string::npos) << message;
  }
}

TEST_F(ConfigResolution, ResourceNamesMayNotContainWhitespaceOrControlCharacters) {
  for (const char* text : {"a b=1", R"({"a b": 1})", R"({"a\tb": 1})", R"({" a": 1})", "a\x01=1"}) {
    SCOPED_TRACE(text);
    fake_environment = {{"HETSCHED_RESOURCES", text}};
    std::string message = usage_error_of(Config{});
    EXPECT_NE(message.find("HETSCHED_RESOURCES"), std::string::npos) << message;
    EXPECT_NE(message.find("whitespace or control characters"), std::string::npos) << message;
  }
}

TEST_F(ConfigResolution, ResourceNamesMayUseAnyOtherCharacters) {
  fake_environment = {{"HETSCHED_RESOURCES", " accelerator:v100 = 2 , disk-ssd/0=1,caf\xC3\xA9=1"}};
  auto resolved = resolve_config(Config{}, two_cores(), lookup_fake);
  EXPECT_EQ(resolved.custom_units, (std::map<std::string, std::int64_t>{
                                       {"accelerator:v100", 20000}, {"caf\xC3\xA9", 10000}, {"disk-ssd/0", 10000}}));
}

TEST_F(ConfigResolution, TheRealGpusAreTheFirstDevicesFoundUpToNumGpusAndTheRestAreLogical) {
  constexpr std::uint64_t real_cap = (std::uint64_t{10} << 30) / 10 * 9;  // 90% of a 10 GiB device
  constexpr std::uint64_t logical = std::uint64_t{3} << 30;
  Config config;
  config.logical_gpu_memory = logical;
  auto all_found = resolve_config(config, two_cores_and_gpus(2), lookup_fake);
  EXPECT_EQ(all_found.num_gpus, 2);
  EXPECT_EQ(all_found.real_gpus, 2);
  EXPECT_EQ(all_found.gpu_memory, (std::vector<std::uint64_t>{real_cap, real_cap}));

  config.num_gpus = 1;
  auto fewer = resolve_config(config, two_cores_and_gpus(2), lookup_fake);
  EXPECT_EQ(fewer.real_gpus, 1) << "only the GPUs asked for are used, real first";
  EXPECT_EQ(fewer.gpu_memory, (std::vector<std::uint64_t>{real_cap}));

  config.num_gpus = 3;
  auto more = resolve_config(config, two_cores_and_gpus(2), lookup_fake);
  EXPECT_EQ(more.real_gpus, 2) << "GPUs beyond the devices found are logical";
  EXPECT_EQ(more.gpu_memory, (std::vector<std::uint64_t>{real_cap, real_cap, logical}));

  fake_environment = {{"HETSCHED_NUM_GPUS", "1"}};
  EXPECT_EQ(resolve_config(config, two_cores_and_gpus(2), lookup_fake).real_gpus, 1)
      << "the environment's count decides the real GPUs too";
  EXPECT_EQ(resolve_config(config, two_cores_and_gpus(0), lookup_fake).real_gpus, 0);
}

TEST_F(ConfigResolution, PerfModelPathComesFromTheConfigThenTheEnvironment) {
  EXPECT_EQ(resolve_config(Config{}, two_cores(), lookup_fake).perf_model_path, "") << "default: no file";
  std::string directory = ::testing::TempDir();
  Config config;
  config.perf_model_path = directory + "/in_code.json";
  EXPECT_EQ(resolve_config(config, two_cores(), lookup_fake).perf_model_path, directory + "/in_code.json");
  fake_environment = {{"HETSCHED_PERF_MODEL", " " + directory + "/from_env.json "}};
  EXPECT_EQ(resolve_config(config, two_cores(), lookup_fake).perf_model_path, directory + "/from_env.json");
  fake_environment = {{"HETSCHED_PERF_MODEL", ""}};
  EXPECT_EQ(resolve_config(config, two_cores(), lookup_fake).perf_model_path, "")
      << "an empty variable turns the file set in code off";
  config.read_environment = false;
  fake_environment = {{"HETSCHED_PERF_MODEL", directory + "/from_env.json"}};
  EXPECT_EQ(resolve_config(config, two_cores(), lookup_fake).perf_model_path, directory + "/in_code.json");
  fake_environment = {{"HETSCHED_PERF_MODEL", "relative.json"}};
  config.read_environment = true;
  EXPECT_EQ(resolve_config(config, two_cores(), lookup_fake).perf_model_path, "relative.json")
      << "a bare file name is in the working directory, which exists";
}

TEST_F(ConfigResolution, APerfModelPathThatCanNeverBeWrittenIsAUsageErrorNamingWhereItCameFrom) {
  std::string directory = ::testing::TempDir();
  Config empty;
  empty.perf_model_path = "";
  EXPECT_NE(usage_error_of(empty).find("Config::perf_model_path"), std::string::npos);
  Config a_directory;
  a_directory.perf_model_path = directory;
  std::string message = usage_error_of(a_directory);
  EXPECT_NE(message.find("is a directory"), std::string::npos) << message;
  fake_environment = {{"HETSCHED_PERF_MODEL", directory + "/no_such_directory/models.json"}};
  message = usage_error_of(Config{});
  EXPECT_NE(message.find("HETSCHED_PERF_MODEL"), std::string::npos) << message;
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
}

}  // namespace
}  // namespace hetsched::detail
