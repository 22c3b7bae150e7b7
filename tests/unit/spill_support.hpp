/// @file spill_support.hpp
/// @brief The fixture of the host budget's tests: a spill directory of its own per test, a config with a budget,
/// and the spill files it holds.
#pragma once

#include <gtest/gtest.h>

#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace hetsched_test {

/// One kibibyte.
inline constexpr std::size_t kib = 1024;

/// A spill directory of its own for each test (made by the runtime; removed, with anything left in it, at the end).
class Spill : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> next{0};
    dir_ = "/tmp/hetsched-spill-test-" + std::to_string(::getpid()) + "-" + std::to_string(next++);
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  hetsched::Config config(std::size_t budget, std::size_t batch = 64 * kib, int cpus = 2, int gpus = 0) const {
    hetsched::Config cfg = make_config(cpus, gpus);
    cfg.object_store_bytes = budget;
    cfg.spill_batch_bytes = batch;
    cfg.spill_dir = dir_;
    return cfg;
  }
  /// The names of the files in the spill directory now.
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    if (DIR* listing = ::opendir(dir_.c_str())) {
      while (const dirent* item = ::readdir(listing)) {
        std::string name = item->d_name;
        if (name != "." && name != "..") names.push_back(name);
      }
      ::closedir(listing);
    }
    return names;
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
};

/// `count` consecutive integers from `first`.
inline std::vector<int> numbers(std::size_t count, int first) {
  std::vector<int> values(count);
  std::iota(values.begin(), values.end(), first);
  return values;
}

}  // namespace hetsched_test
