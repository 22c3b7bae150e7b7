// The performance model file: a round trip keeps every prediction; a file that is corrupt, truncated, of the wrong
// shape or of another version is rejected whole with one one-line warning; a missing file is quiet.
#include "model/model_file.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "hetsched/error.hpp"
#include "model/perf_model.hpp"

namespace hetsched::detail {
namespace {

constexpr std::uint64_t mib = std::uint64_t{1} << 20;
const std::vector<std::uint64_t> probe_sizes = {0, 64, mib, 3 * mib, 16 * mib, 1000 * mib};

/// A model with two tasks, two variants, both kinds, several sizes, a spike and measured bandwidths.
void fill(PerfModel& model) {
  std::uint32_t gemm = model.intern("gemm");
  std::uint32_t potrf = model.intern("potrf \"quoted\" \xc3\xa9");  // any name, quotes and UTF-8 included
  for (int run = 0; run < 20; ++run) {
    double noise = 1 + 0.01 * (run % 5);
    model.record(gemm, 0, DeviceKind::cpu, mib, 0.010 * noise);
    model.record(gemm, 0, DeviceKind::cpu, 4 * mib, 0.080 * noise);
    model.record(gemm, 1, DeviceKind::gpu, 4 * mib, 0.0011 * noise);
  }
  model.record(gemm, 1, DeviceKind::gpu, 64 * mib, 0.5);  // one thin, spiky bucket
  model.record(potrf, 0, DeviceKind::cpu, 2 * mib, 0.003);
  model.set_bandwidths({2.5e10, 2.6e10, 1.5e11, 1.2e-5, true});
}

/// The file's text.
std::string contents(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

void write(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
}

class ModelFile : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::path(::testing::TempDir()) /
                 ("model_file_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
    path_ = (directory_ / "models.json").string();
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  /// Loads `path_` into `model`, collecting the warnings.
  bool load(PerfModel& model) {
    return model.load(path_, [this](std::string_view message) { warnings_.emplace_back(message); });
  }

  /// Expects the file at path_ to be rejected with one one-line warning, leaving a filled model as it was.
  void expect_rejected(const std::string& why) {
    PerfModel model;
    fill(model);
    PerfModel reference;
    fill(reference);
    warnings_.clear();
    EXPECT_FALSE(load(model)) << why;
    ASSERT_EQ(warnings_.size(), 1u) << why;
    EXPECT_EQ(warnings_[0].find('\n'), std::string::npos) << warnings_[0];
    EXPECT_NE(warnings_[0].find(path_), std::string::npos) << warnings_[0];
    EXPECT_EQ(model.bandwidths().host_to_device, reference.bandwidths().host_to_device) << why;
    for (std::uint64_t bytes : probe_sizes) {
      EXPECT_EQ(model.predict(0, 1, DeviceKind::gpu, bytes).seconds,
                reference.predict(0, 1, DeviceKind::gpu, bytes).seconds)
          << why;
    }
  }

  std::filesystem::path directory_;
  std::string path_;
  std::vector<std::string> warnings_;
};

TEST_F(ModelFile, RoundTripKeepsEveryPredictionUnderTheTaskNames) {
  PerfModel original;
  fill(original);
  original.save(path_);
  PerfModel loaded;
  std::uint32_t unrelated = loaded.intern("unrelated");  // ids differ from the original's: names are what count
  loaded.record(unrelated, 0, DeviceKind::cpu, 64, 1.0);
  ASSERT_TRUE(load(loaded));
  EXPECT_TRUE(warnings_.empty());
  for (std::string name : {"gemm", "potrf \"quoted\" \xc3\xa9"}) {
    std::uint32_t from = original.intern(name), to = loaded.intern(name);
    EXPECT_NE(from, to);
    for (int variant : {0, 1}) {
      for (DeviceKind kind : {DeviceKind::cpu, DeviceKind::gpu}) {
        for (std::uint64_t bytes : probe_sizes) {
          Prediction want = original.predict(from, variant, kind, bytes);
          Prediction got = loaded.predict(to, variant, kind, bytes);
          EXPECT_DOUBLE_EQ(got.seconds, want.seconds) << name << " " << variant << " " << bytes;
          EXPECT_EQ(got.samples, want.samples);
        }
      }
    }
  }
  EXPECT_EQ(loaded.predict(unrelated, 0, DeviceKind::cpu, 64).samples, 1u)
      << "a task the file does not name keeps its history";
  Bandwidths links = loaded.bandwidths();
  EXPECT_DOUBLE_EQ(links.host_to_device, 2.5e10);
  EXPECT_DOUBLE_EQ(links.device_to_host, 2.6e10);
  EXPECT_DOUBLE_EQ(links.device_to_device, 1.5e11);
  EXPECT_DOUBLE_EQ(links.latency_s, 1.2e-5);
  EXPECT_TRUE(links.measured);
  loaded.save(path_);
  PerfModel again;
  ASSERT_TRUE(load(again));
  EXPECT_DOUBLE_EQ(again.predict(again.intern("gemm"), 1, DeviceKind::gpu, 64 * mib).seconds,
                   original.predict(original.intern("gemm"), 1, DeviceKind::gpu, 64 * mib).seconds);
}

TEST_F(ModelFile, SavingLeavesNoTemporaryFileAndReplacesTheOldOne) {
  PerfModel model;
  fill(model);
  write(path_, "old");
  model.save(path_);
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory_)) names.push_back(entry.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{"models.json"});
  EXPECT_NO_THROW(decode_model(contents(path_)));
}

TEST_F(ModelFile, AMissingFileIsQuiet) {
  PerfModel model;
  EXPECT_FALSE(load(model));
  EXPECT_TRUE(warnings_.empty()) << "the first run of every program has no file yet";
}

TEST_F(ModelFile, CorruptFilesAreRejectedWhole) {
  const std::vector<std::string> texts = {"",
                                          "garbage",
                                          std::string("\x00\x01\x02", 3),
                                          "[1, 2]",
                                          "null",
                                          "{\"format\": \"something-else\"}",
                                          "{\"tasks\": []}"};
  for (const std::string& text : texts) {
    write(path_, text);
    expect_rejected("'" + text + "'");
  }
  std::filesystem::remove(path_);
  std::filesystem::create_directory(path_);
  expect_rejected("a directory");
}

TEST_F(ModelFile, ATruncatedFileIsRejectedWhereverItIsCut) {
  PerfModel model;
  fill(model);
  model.save(path_);
  std::string text = contents(path_);
  ASSERT_GT(text.size(), 100u);
  // Everything but the final newline is still the whole JSON value: every shorter cut loses part of it.
  for (std::size_t cut = 0; cut + 1 < text.size(); cut += 1 + cut / 8) {
    write(path_, text.substr(0, cut));
    expect_rejected("cut at " + std::to_string(cut) + " of " + std::to_string(text.size()));
  }
  write(path_, text.substr(0, text.size() - 2));
  expect_rejected("the closing brace cut");
}

TEST_F(ModelFile, AnotherVersionIsRejectedSayingWhich) {
  PerfModel model;
  fill(model);
  model.save(path_);
  auto file = nlohmann::json::parse(contents(path_));
  file["version"] = model_file_version + 1;
  write(path_, file.dump());
  expect_rejected("another version");
  EXPECT_NE(warnings_[0].find("version " + std::to_string(model_file_version + 1)), std::string::npos) << warnings_[0];
}

TEST_F(ModelFile, AFieldOfTheWrongTypeOrOutOfRangeRejectsTheWholeFile) {
  PerfModel model;
  fill(model);
  model.save(path_);
  const auto valid = nlohmann::json::parse(contents(path_));
  using Edit = std::function<void(nlohmann::json&)>;
  const std::vector<std::pair<std::string, Edit>> edits = {
      {"version as text", [](auto& f) { f["version"] = "1"; }},
      {"no bandwidths", [](auto& f) { f.erase("bandwidths"); }},
      {"a bandwidth as text", [](auto& f) { f["bandwidths"]["host_to_device"] = "fast"; }},
      {"a negative bandwidth", [](auto& f) { f["bandwidths"]["device_to_host"] = -1.0; }},
      {"measured as a number", [](auto& f) { f["bandwidths"]["measured"] = 1; }},
      {"tasks as an object", [](auto& f) { f["tasks"] = nlohmann::json::object(); }},
      {"a task without a name", [](auto& f) { f["tasks"][1].erase("name"); }},
      {"an empty task name", [](auto& f) { f["tasks"][1]["name"] = ""; }},
      {"a task named twice", [](auto& f) { f["tasks"][1]["name"] = f["tasks"][0]["name"]; }},
      {"a negative variant", [](auto& f) { f["tasks"][0]["series"][0]["variant"] = -1; }},
      {"a fractional variant", [](auto& f) { f["tasks"][0]["series"][0]["variant"] = 0.5; }},
      {"an unknown kind", [](auto& f) { f["tasks"][0]["series"][0]["kind"] = "tpu"; }},
      {"a series given twice", [](auto& f) { f["tasks"][0]["series"].push_back(f["tasks"][0]["series"][0]); }},
      {"a bucket out of range", [](auto& f) { f["tasks"][0]["series"][0]["buckets"][0]["bucket"] = 100000; }},
      {"a bucket given twice",
       [](auto& f) {
         auto& buckets = f["tasks"][0]["series"][0]["buckets"];
         buckets.push_back(buckets[0]);
       }},
      {"bytes below 1", [](auto& f) { f["tasks"][0]["series"][0]["buckets"][0]["bytes"] = 0.5; }},
      {"a count below the samples", [](auto& f) { f["tasks"][0]["series"][0]["buckets"][0]["count"] = 1; }},
      {"a zero run time", [](auto& f) { f["tasks"][0]["series"][0]["buckets"][0]["seconds"][0] = 0.0; }},
      {"a run time as text", [](auto& f) { f["tasks"][0]["series"][0]["buckets"][0]["seconds"][1] = "1"; }},
      {"no samples", [](auto& f) { f["tasks"][0]["series"][0]["buckets"][0]["seconds"] = nlohmann::json::array(); }},
      {"too many samples",
       [](auto& f) {
         auto& bucket = f["tasks"][0]["series"][0]["buckets"][0];
         bucket["count"] = 1000;
         for (int i = 0; i < 20; ++i) bucket["seconds"].push_back(0.01);
       }},
  };
  for (const auto& [why, edit] : edits) {
    nlohmann::json file = valid;
    edit(file);
    write(path_, file.dump());
    expect_rejected(why);
  }
  nlohmann::json extra = valid;
  extra["written_by"] = "a later build";
  extra["tasks"][0]["note"] = 1;
  write(path_, extra.dump());
  PerfModel loaded;
  EXPECT_TRUE(load(loaded)) << "fields this version does not know are ignored";
}

TEST_F(ModelFile, ATaskNameThatIsNotUtf8IsSavedWithItsBadBytesReplaced) {
  PerfModel model;
  model.record(model.intern("bad \xff name"), 0, DeviceKind::cpu, 64, 1e-3);
  ASSERT_NO_THROW(model.save(path_));
  PerfModel loaded;
  ASSERT_TRUE(load(loaded));
  EXPECT_EQ(loaded.predict(loaded.intern("bad \xef\xbf\xbd name"), 0, DeviceKind::cpu, 64).samples, 1u);
}

TEST_F(ModelFile, SavingWhereNoFileCanBeWrittenIsAUsageErrorNamingThePath) {
  PerfModel model;
  fill(model);
  std::string path = (directory_ / "no_such_directory" / "models.json").string();
  try {
    model.save(path);
    FAIL() << "expected a UsageError";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace hetsched::detail
