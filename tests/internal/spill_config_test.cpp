// The host budget and spill directory settings: defaults from the hardware, HETSCHED_* overrides, and bad values.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include <unistd.h>

#include "config_resolution.hpp"
#include "hetsched/error.hpp"

namespace hetsched::detail {
namespace {

std::map<std::string, std::string> spill_environment;

std::optional<std::string> lookup_spill_environment(const char* name) {
  auto it = spill_environment.find(name);
  if (it == spill_environment.end()) return std::nullopt;
  return it->second;
}

HardwareInfo ten_gib_machine() {
  HardwareInfo hardware;
  hardware.usable_cores = 2;
  hardware.memory_bytes = std::size_t{10} << 30;
  return hardware;
}

class SpillConfig : public ::testing::Test {
 protected:
  void SetUp() override { spill_environment.clear(); }
  ResolvedConfig resolve(const Config& config = {}) {
    return resolve_config(config, ten_gib_machine(), lookup_spill_environment);
  }
};

TEST_F(SpillConfig, BudgetDefaultsToThirtyPercentOfMemory) {
  EXPECT_EQ(resolve().object_store_bytes, (std::uint64_t{10} << 30) / 10 * 3);
}

TEST_F(SpillConfig, SpillDirDefaultsToAPerUserDirectoryUnderTmpdir) {
  EXPECT_EQ(resolve().spill_dir, "/tmp/hetsched-spill-" + std::to_string(::getuid()));
  spill_environment = {{"TMPDIR", "/scratch/"}};
  EXPECT_EQ(resolve().spill_dir, "/scratch/hetsched-spill-" + std::to_string(::getuid()));
  spill_environment = {{"TMPDIR", "relative"}};  // not absolute: ignored
  EXPECT_EQ(resolve().spill_dir, "/tmp/hetsched-spill-" + std::to_string(::getuid()));
}

TEST_F(SpillConfig, FieldsSetInCodeAreKept) {
  Config config;
  config.object_store_bytes = 4096;
  config.spill_dir = "/data/spill";
  config.spill_batch_bytes = 1000;
  auto resolved = resolve(config);
  EXPECT_EQ(resolved.object_store_bytes, 4096u);
  EXPECT_EQ(resolved.spill_dir, "/data/spill");
  EXPECT_EQ(resolved.spill_batch_bytes, 1000u);
}

TEST_F(SpillConfig, EnvironmentOverridesTheFields) {
  spill_environment = {{"HETSCHED_OBJECT_STORE_BYTES", " 512M "}, {"HETSCHED_SPILL_DIR", "/env/spill"}};
  Config config;
  config.object_store_bytes = 4096;
  config.spill_dir = "/data/spill";
  auto resolved = resolve(config);
  EXPECT_EQ(resolved.object_store_bytes, std::uint64_t{512} << 20);
  EXPECT_EQ(resolved.spill_dir, "/env/spill");
  config.read_environment = false;
  EXPECT_EQ(resolve(config).object_store_bytes, 4096u);
}

TEST_F(SpillConfig, ByteCountsTakeBinarySuffixes) {
  EXPECT_EQ(parse_byte_count("V", "123"), 123u);
  EXPECT_EQ(parse_byte_count("V", "2K"), 2048u);
  EXPECT_EQ(parse_byte_count("V", "3g"), std::uint64_t{3} << 30);
  EXPECT_EQ(parse_byte_count("V", "1T"), std::uint64_t{1} << 40);
}

TEST_F(SpillConfig, BadByteCountsAreUsageErrorsNamingTheVariable) {
  for (const char* bad : {"", "0", "-5", "12X", "1.5G", "lots", "99999999999999999999", "20000000000T"}) {
    spill_environment = {{"HETSCHED_OBJECT_STORE_BYTES", bad}};
    try {
      resolve();
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& error) {
      EXPECT_NE(std::string(error.what()).find("HETSCHED_OBJECT_STORE_BYTES"), std::string::npos) << error.what();
    }
  }
}

TEST_F(SpillConfig, AZeroBudgetOrARelativeSpillDirIsAUsageError) {
  Config zero;
  zero.object_store_bytes = 0;
  EXPECT_THROW(resolve(zero), UsageError);
  Config relative;
  relative.spill_dir = "spill";
  EXPECT_THROW(resolve(relative), UsageError);
  spill_environment = {{"HETSCHED_SPILL_DIR", ""}};
  EXPECT_THROW(resolve(), UsageError);
}

}  // namespace
}  // namespace hetsched::detail
