/// @file spill_support.hpp
/// @brief The fixture of the host budget's tests: a spill directory of its own per test, a config with a budget,
/// and the spill files it holds.
#pragma once

#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
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

/// Flips the bits of one byte of `file` at `offset` (an altered spill file); false when the file cannot be changed.
inline bool flip_byte(const std::string& file, off_t offset) {
  int fd = ::open(file.c_str(), O_RDWR);
  if (fd < 0) return false;
  char byte = 0;
  bool done = ::pread(fd, &byte, 1, offset) == 1;
  byte = static_cast<char>(byte ^ 0x5a);
  done = done && ::pwrite(fd, &byte, 1, offset) == 1;
  ::close(fd);
  return done;
}

/// While it lives, every write past `bytes` into a file fails as on a full disk (EFBIG instead of ENOSPC).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::signal(SIGXFSZ, SIG_IGN);
    ::getrlimit(RLIMIT_FSIZE, &old_);
    rlimit small = old_;
    small.rlim_cur = bytes;
    set_ = ::setrlimit(RLIMIT_FSIZE, &small) == 0;
  }
  ~FileSizeLimit() { ::setrlimit(RLIMIT_FSIZE, &old_); }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  /// Whether the limit is in force.
  bool set() const noexcept { return set_; }

 private:
  rlimit old_{};
  bool set_ = false;
};

}  // namespace hetsched_test
