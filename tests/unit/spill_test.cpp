// The host budget (Config::object_store_bytes) and spilling: objects past the budget go to disk and come back intact
// when read; what is read stays in memory; the spill directory is private and cleaned; bad disks and altered files
// are clear errors on the objects they affect.
#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "spill_support.hpp"

/// A user type made spillable through the one trait.
struct Particle {
  std::vector<double> position;
  std::string label;
};

template <>
struct hetsched::Serializer<Particle> {
  static std::size_t size(const Particle& p) {
    return sizeof(std::size_t) + p.position.size() * sizeof(double) + p.label.size();
  }
  static void save(const Particle& p, std::span<std::byte> out) {
    std::size_t count = p.position.size();
    std::memcpy(out.data(), &count, sizeof count);
    std::memcpy(out.data() + sizeof count, p.position.data(), count * sizeof(double));
    std::memcpy(out.data() + sizeof count + count * sizeof(double), p.label.data(), p.label.size());
  }
  static Particle load(std::span<const std::byte> in) {
    std::size_t count = 0;
    std::memcpy(&count, in.data(), sizeof count);
    Particle p;
    p.position.resize(count);
    std::memcpy(p.position.data(), in.data() + sizeof count, count * sizeof(double));
    std::size_t rest = in.size() - sizeof count - count * sizeof(double);
    p.label.assign(reinterpret_cast<const char*>(in.data()) + sizeof count + count * sizeof(double), rest);
    return p;
  }
};

/// A type with no Serializer: never spilled.
struct Opaque {
  std::vector<int> values;
  std::size_t capacity() const { return values.capacity(); }  // so the store counts its heap bytes
  const int* data() const { return values.data(); }
};

namespace {

using hetsched_test::make_config;

using hetsched_test::kib;
using hetsched_test::numbers;
using Spill = hetsched_test::Spill;

TEST_F(Spill, PutsPastTheBudgetAreSpilledAndComeBackIntact) {
  hetsched::Runtime rt{config(256 * kib)};
  std::vector<hetsched::ObjectRef<std::vector<int>>> refs;
  for (int i = 0; i < 8; ++i) refs.push_back(rt.put(numbers(16 * kib, i * 1000)));  // 64 KiB each
  auto stats = rt.store_stats();
  EXPECT_GT(stats.spills, 0u);
  EXPECT_LE(stats.host_bytes, 256 * kib);
  EXPECT_GT(stats.spilled_bytes, 0u);
  EXPECT_GT(stats.bytes_spilled, 0u);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(rt.get(std::move(refs[static_cast<std::size_t>(i)])), numbers(16 * kib, i * 1000));
  }
  EXPECT_GT(rt.store_stats().restores, 0u);
  EXPECT_EQ(rt.store_stats().bytes_restored, rt.store_stats().bytes_spilled);
}

TEST_F(Spill, TaskArgumentsAreRestoredBeforeTheBodyRuns) {
  hetsched::Runtime rt{config(128 * kib)};
  std::vector<hetsched::ObjectRef<long>> sums;
  std::vector<hetsched::ObjectRef<std::vector<int>>> inputs;
  for (int i = 0; i < 10; ++i) inputs.push_back(rt.put(numbers(8 * kib, i)));
  for (auto& input : inputs) {
    auto sum = [](const std::vector<int>& v) { return std::accumulate(v.begin(), v.end(), 0L); };
    sums.push_back(rt.task(sum).remote(input));
  }
  for (int i = 0; i < 10; ++i) {
    auto expected = numbers(8 * kib, i);
    EXPECT_EQ(rt.get(sums[static_cast<std::size_t>(i)]), std::accumulate(expected.begin(), expected.end(), 0L));
  }
  EXPECT_GT(rt.store_stats().restores, 0u);
}

TEST_F(Spill, TaskResultsCountAgainstTheBudgetAndSpill) {
  hetsched::Runtime rt{config(128 * kib)};
  std::vector<hetsched::ObjectRef<std::string>> refs;
  for (int i = 0; i < 8; ++i) {
    refs.push_back(rt.task([i] { return std::string(40 * kib, static_cast<char>('a' + i)); }).remote());
  }
  // All 320 KiB exist at once before any is read (else a slow run could free each before the next is made).
  rt.wait(refs, refs.size());
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(rt.get(std::move(refs[static_cast<std::size_t>(i)])), std::string(40 * kib, static_cast<char>('a' + i)));
  }
  EXPECT_GT(rt.store_stats().spills, 0u);
}

TEST_F(Spill, UserTypesSpillThroughTheirSerializer) {
  hetsched::Runtime rt{config(64 * kib)};
  std::vector<hetsched::ObjectRef<Particle>> refs;
  for (int i = 0; i < 6; ++i) {
    refs.push_back(rt.put(Particle{std::vector<double>(2 * kib, i + 0.5), "particle " + std::to_string(i)}));
  }
  EXPECT_GT(rt.store_stats().spills, 0u);
  for (int i = 0; i < 6; ++i) {
    Particle p = rt.get(std::move(refs[static_cast<std::size_t>(i)]));
    EXPECT_EQ(p.label, "particle " + std::to_string(i));
    EXPECT_EQ(p.position, std::vector<double>(2 * kib, i + 0.5));
  }
}

TEST_F(Spill, GetByReferenceKeepsTheObjectInMemory) {
  hetsched::Runtime rt{config(128 * kib)};
  auto kept_ref = rt.put(numbers(16 * kib, 7));
  const std::vector<int>& kept = rt.get(kept_ref);
  const int* where = kept.data();
  std::vector<hetsched::ObjectRef<std::vector<int>>> pressure;
  for (int i = 0; i < 8; ++i) pressure.push_back(rt.put(numbers(16 * kib, i)));
  EXPECT_GT(rt.store_stats().spills, 0u);
  EXPECT_EQ(kept.data(), where);  // the reference get returned still points at the live value
  EXPECT_EQ(kept, numbers(16 * kib, 7));
  EXPECT_EQ(&rt.get(kept_ref), &kept);
}

TEST_F(Spill, AViewPinsTheObjectOnlyWhileItLives) {
  hetsched::Runtime rt{config(64 * kib, 1)};
  auto a = rt.put(numbers(8 * kib, 1));  // 32 KiB
  {
    hetsched::ObjectView<std::vector<int>> view = rt.get_view(a);
    const int* where = view->data();
    auto b = rt.put(numbers(8 * kib, 2));  // over the budget: only b itself can go
    EXPECT_EQ(rt.store_stats().spills, 1u);
    EXPECT_EQ(view->data(), where);
    EXPECT_EQ(*view, numbers(8 * kib, 1));
    EXPECT_EQ(rt.get(std::move(b)), numbers(8 * kib, 2));
  }
  auto c = rt.put(numbers(8 * kib, 3));
  auto d = rt.put(numbers(8 * kib, 4));  // now a, the least recently used and unpinned, goes
  const auto spilled = rt.store_stats().spills;
  EXPECT_GE(spilled, 2u);
  const auto restores = rt.store_stats().restores;
  EXPECT_EQ(rt.get_view(a).get(), numbers(8 * kib, 1));
  EXPECT_EQ(rt.store_stats().restores, restores + 1) << "a had been spilled once its view was gone";
}

TEST_F(Spill, FullStoreErrorSaysWhatHoldsTheMemoryWhenNothingCanBeFreed) {
  hetsched::Runtime rt{config(64 * kib)};
  auto kept_ref = rt.put(numbers(8 * kib, 0));  // 32 KiB, kept by get
  (void)rt.get(kept_ref);
  auto opaque = rt.put(Opaque{std::vector<int>(6 * kib)});  // ~24 KiB that can never be spilled
  try {
    rt.put(Opaque{std::vector<int>(8 * kib)});
    FAIL() << "a put past the budget with nothing spillable succeeded";
  } catch (const hetsched::ObjectStoreFullError& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("kept in memory because get returned a reference"), std::string::npos) << message;
    EXPECT_NE(message.find("without a hetsched::Serializer"), std::string::npos) << message;
    EXPECT_NE(message.find("object_store_bytes"), std::string::npos) << message;
  }
  EXPECT_EQ(rt.get(kept_ref), numbers(8 * kib, 0));  // unrelated objects are untouched
  auto small = rt.put(std::vector<int>(16));  // room for something small is still there
  EXPECT_EQ(rt.get(small).size(), 16u);
}

TEST_F(Spill, SpillDirectoryAndFilesArePrivateAndNamedAfterTheProcess) {
  hetsched::Runtime rt{config(64 * kib, 1024 * kib)};
  std::vector<hetsched::ObjectRef<std::vector<int>>> refs;
  for (int i = 0; i < 3; ++i) refs.push_back(rt.put(numbers(8 * kib, i)));  // 32 KiB each
  ASSERT_EQ(rt.store_stats().spills, 2u) << "the second put spilled both objects in one batch";
  struct stat info {};
  ASSERT_EQ(::lstat(dir_.c_str(), &info), 0);
  EXPECT_TRUE(S_ISDIR(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  auto names = files();
  ASSERT_EQ(names.size(), 1u) << "one batch, one file";
  EXPECT_EQ(names[0].rfind("hetsched-spill-" + std::to_string(::getpid()) + "-", 0), 0u) << names[0];
  ASSERT_EQ(::lstat(path(names[0]).c_str(), &info), 0);
  EXPECT_TRUE(S_ISREG(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(Spill, ShutdownEmptiesTheDirectoryAndRefsOutliveTheRuntime) {
  std::vector<hetsched::ObjectRef<std::vector<int>>> refs;
  {
    hetsched::Runtime rt{config(64 * kib)};
    for (int i = 0; i < 6; ++i) refs.push_back(rt.put(numbers(8 * kib, i)));
    ASSERT_GT(rt.store_stats().spills, 0u);
    EXPECT_FALSE(files().empty());
  }
  EXPECT_TRUE(files().empty());
  hetsched::Runtime other{config(1 << 20)};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(other.get(refs[static_cast<std::size_t>(i)]), numbers(8 * kib, i));
}

TEST_F(Spill, FilesAreRemovedOnceTheirObjectsAreGone) {
  hetsched::Runtime rt{config(64 * kib)};
  {
    std::vector<hetsched::ObjectRef<std::vector<int>>> refs;
    for (int i = 0; i < 6; ++i) refs.push_back(rt.put(numbers(8 * kib, i)));
    ASSERT_FALSE(files().empty());
  }
  EXPECT_TRUE(files().empty());
  EXPECT_EQ(rt.store_stats().spilled_bytes, 0u);
}

TEST_F(Spill, AnAlteredSpillFileIsAnObjectLostErrorOnThatObjectOnly) {
  hetsched::Runtime rt{config(40 * kib, 1)};  // batches of one object: one file each
  auto victim = rt.put(numbers(8 * kib, 1));   // 32 KiB
  auto second = rt.put(numbers(8 * kib, 2));   // pushes the victim out
  ASSERT_EQ(files().size(), 1u);
  std::string file = path(files()[0]);
  ASSERT_TRUE(hetsched_test::flip_byte(file, 100));
  auto sum = rt.task([](const std::vector<int>& v) { return v.size(); }).remote(victim);
  EXPECT_THROW(rt.get(sum), hetsched::ObjectLostError);
  try {
    rt.get(victim);
    FAIL() << "an altered object was read";
  } catch (const hetsched::ObjectLostError& error) {
    EXPECT_NE(std::string(error.what()).find("checksum"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("object " + std::to_string(victim.id())), std::string::npos);
  }
  EXPECT_THROW(rt.get(victim), hetsched::ObjectLostError);  // lost for good, never silently wrong
  EXPECT_EQ(rt.get(second), numbers(8 * kib, 2));
  EXPECT_EQ(rt.store_stats().lost_objects, 1u);
}

TEST_F(Spill, ATruncatedSpillFileIsAnObjectLostError) {
  hetsched::Runtime rt{config(40 * kib, 1)};
  auto victim = rt.put(numbers(8 * kib, 1));
  auto second = rt.put(numbers(8 * kib, 2));
  ASSERT_EQ(files().size(), 1u);
  ASSERT_EQ(::truncate(path(files()[0]).c_str(), 1000), 0);
  try {
    (void)rt.get(std::move(victim));
    FAIL() << "a truncated object was read";
  } catch (const hetsched::ObjectLostError& error) {
    EXPECT_NE(std::string(error.what()).find("truncated"), std::string::npos) << error.what();
  }
  EXPECT_EQ(rt.get(second), numbers(8 * kib, 2));
}

TEST_F(Spill, AnUnusableSpillDirectoryIsAFullStoreErrorNamingItAndLosesNothing) {
  std::string blocker = dir_ + "-file";
  std::FILE* file = std::fopen(blocker.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fclose(file);
  hetsched::Config cfg = config(40 * kib);
  cfg.spill_dir = blocker + "/spill";  // under a regular file: can never be made
  {
    hetsched::Runtime rt{cfg};
    auto first = rt.put(numbers(8 * kib, 1));
    try {
      rt.put(numbers(8 * kib, 2));
      FAIL() << "a put that could not spill succeeded past the budget";
    } catch (const hetsched::ObjectStoreFullError& error) {
      EXPECT_NE(std::string(error.what()).find(blocker + "/spill"), std::string::npos) << error.what();
    }
    EXPECT_EQ(rt.get(first), numbers(8 * kib, 1));
  }
  std::remove(blocker.c_str());
}

TEST_F(Spill, ASymbolicLinkAsSpillDirectoryIsRefused) {
  std::string target = dir_ + "-target";
  ASSERT_EQ(::mkdir(target.c_str(), 0700), 0);
  ASSERT_EQ(::symlink(target.c_str(), dir_.c_str()), 0);
  {
    hetsched::Runtime rt{config(40 * kib)};
    auto first = rt.put(numbers(8 * kib, 1));
    try {
      rt.put(numbers(8 * kib, 2));
      FAIL() << "spilled through a symbolic link";
    } catch (const hetsched::ObjectStoreFullError& error) {
      EXPECT_NE(std::string(error.what()).find("symbolic link"), std::string::npos) << error.what();
    }
  }
  ::unlink(dir_.c_str());
  EXPECT_EQ(::rmdir(target.c_str()), 0) << "nothing was written through the link";
}

TEST_F(Spill, AFullDiskIsAFullStoreErrorAndLosesNothing) {
  {
    hetsched_test::FileSizeLimit full_disk(16 * kib);  // every write past 16 KiB fails as on a full disk
    ASSERT_TRUE(full_disk.set());
    hetsched::Runtime rt{config(40 * kib, 1)};
    auto first = rt.put(numbers(8 * kib, 1));
    try {
      rt.put(numbers(8 * kib, 2));
      FAIL() << "a put succeeded past the budget on a full disk";
    } catch (const hetsched::ObjectStoreFullError& error) {
      EXPECT_NE(std::string(error.what()).find("disk full"), std::string::npos) << error.what();
    }
    EXPECT_EQ(rt.get(first), numbers(8 * kib, 1));
    EXPECT_EQ(rt.store_stats().spills, 0u);
  }
  EXPECT_TRUE(files().empty()) << "the half-written file was removed";
}

TEST_F(Spill, LeftoversOfDeadProcessesAreRemovedAtStartAndNothingElse) {
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);  // a pid whose process is gone
  auto touch = [&](const std::string& name) {
    std::FILE* file = std::fopen(path(name).c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fclose(file);
  };
  const std::string dead = "hetsched-spill-" + std::to_string(child) + "-1.bin";
  const std::string alive = "hetsched-spill-" + std::to_string(::getppid()) + "-1.bin";
  touch(dead);
  touch(alive);
  touch("notes.txt");
  touch("hetsched-spill-" + std::to_string(child) + "-x.bin");  // not one of our names
  { hetsched::Runtime rt{config(1 << 20)}; }
  auto names = files();
  EXPECT_EQ(std::count(names.begin(), names.end(), dead), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), alive), 1);
  EXPECT_EQ(std::count(names.begin(), names.end(), std::string("notes.txt")), 1);
  EXPECT_EQ(names.size(), 3u);
}

TEST_F(Spill, ConcurrentPutsReadsAndTasksUnderATinyBudgetSeeEveryValueIntact) {
  // Spills, restores, task pins and frees race on the same objects: each value must come back exactly.
  hetsched::Runtime rt{config(96 * kib, 16 * kib)};
  constexpr int threads = 4;
  constexpr int rounds = 30;
  std::atomic<int> wrong{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<std::pair<hetsched::ObjectRef<std::vector<int>>, int>> mine;  // each ref with its first value
      for (int r = 0; r < rounds; ++r) {
        const int first = t * 100000 + r * 1000;
        mine.emplace_back(rt.put(numbers(2 * kib, first)), first);
        auto sum = rt.task([](const std::vector<int>& v) { return v.front() + static_cast<int>(v.size()); })
                       .remote(mine.back().first);
        if (rt.get(std::move(sum)) != first + static_cast<int>(2 * kib)) ++wrong;
        const auto& [old, old_first] = mine[mine.size() / 2];
        if (rt.get(std::vector{old})[0] != numbers(2 * kib, old_first)) ++wrong;
        if (r % 5 == 4) mine.erase(mine.begin());
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(rt.store_stats().spills, 0u);
}

}  // namespace
