// Buffers' host copies and the host budget: they count against Config::object_store_bytes, are spilled past it when
// nothing pins them, and come back intact for tasks and gets; a stale host copy writes nothing to disk, and a GPU
// replica written back over a spilled copy wins; a view that get handed out keeps its buffer in memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <numeric>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "spill_support.hpp"

namespace {

using hetsched_test::kib;
using hetsched_test::numbers;
using Spill = hetsched_test::Spill;
using IntBuffer = hetsched::ObjectRef<hetsched::Buffer<int>>;

constexpr std::size_t elements = 16 * kib;  // 64 KiB of ints per buffer
constexpr std::size_t buffer_bytes = elements * sizeof(int);

long long sum(std::span<const int> values) { return std::accumulate(values.begin(), values.end(), 0LL); }

long long sum(const std::vector<int>& values) { return sum(std::span<const int>(values)); }

std::vector<IntBuffer> put_buffers(hetsched::Runtime& rt, int count) {
  std::vector<IntBuffer> refs;
  for (int i = 0; i < count; ++i) refs.push_back(rt.put_buffer(numbers(elements, i * 100000)));
  return refs;
}

TEST_F(Spill, BufferHostCopiesCountAgainstTheBudget) {
  hetsched::Runtime rt{config(1024 * kib)};
  auto refs = put_buffers(rt, 3);
  EXPECT_EQ(rt.store_stats().host_bytes, 3 * buffer_bytes);
  refs.pop_back();
  EXPECT_EQ(rt.store_stats().host_bytes, 2 * buffer_bytes);
  refs.clear();
  EXPECT_EQ(rt.store_stats().host_bytes, 0u);
}

TEST_F(Spill, ListObjectsSaysWhichBuffersAndObjectsAreOnDisk) {
  hetsched::Runtime rt{config(2 * buffer_bytes, buffer_bytes)};
  auto oldest_buffer = rt.put_buffer(numbers(elements, 1));
  auto oldest_object = rt.put(numbers(elements, 2));
  auto newest = put_buffers(rt, 2);  // the two oldest go to disk
  auto spilled_of = [&](std::uint64_t id) {
    for (const auto& info : rt.list_objects()) {
      if (info.id == id) return info.spilled;
    }
    ADD_FAILURE() << "object " << id << " is not listed";
    return false;
  };
  EXPECT_TRUE(spilled_of(oldest_buffer.id()));
  EXPECT_TRUE(spilled_of(oldest_object.id()));
  EXPECT_FALSE(spilled_of(newest[1].id()));
  auto total = rt.task([](std::span<const int> values) { return sum(values); }).remote(hetsched::read(oldest_buffer));
  EXPECT_EQ(rt.get(total), sum(numbers(elements, 1)));
  EXPECT_FALSE(spilled_of(oldest_buffer.id()));  // read back by the task
}

TEST_F(Spill, BuffersPastTheBudgetAreSpilledAndTasksReadThemBackIntact) {
  hetsched::Runtime rt{config(4 * buffer_bytes, buffer_bytes)};
  auto refs = put_buffers(rt, 10);
  auto stats = rt.store_stats();
  EXPECT_GE(stats.spills, 6u);
  EXPECT_LE(stats.host_bytes, 4 * buffer_bytes);
  EXPECT_GE(stats.bytes_spilled, 6 * buffer_bytes);
  for (int i = 0; i < 10; ++i) {
    auto total = rt.task([](std::span<const int> values) { return sum(values); }).remote(hetsched::read(refs[i]));
    EXPECT_EQ(rt.get(total), sum(numbers(elements, i * 100000))) << "buffer " << i;
  }
  EXPECT_GE(rt.store_stats().restores, 6u);
}

TEST_F(Spill, WritesToSpilledBuffersAreKeptThroughFurtherSpills) {
  hetsched::Runtime rt{config(3 * buffer_bytes, buffer_bytes)};
  auto refs = put_buffers(rt, 8);
  for (int round = 1; round <= 3; ++round) {
    for (auto& ref : refs) {
      rt.task([](std::span<int> values) {
          for (int& value : values) value += 1;
        }).remote(hetsched::read_write(ref));
    }
  }
  for (int i = 0; i < 8; ++i) {
    std::vector<int> expected = numbers(elements, i * 100000 + 3);
    auto total = rt.task([](std::span<const int> values) { return sum(values); }).remote(hetsched::read(refs[i]));
    EXPECT_EQ(rt.get(total), sum(expected)) << "buffer " << i;
  }
  // A write-only task overwrites a spilled copy without reading it back.
  const auto restores = rt.store_stats().restores;
  auto oldest = refs.front();
  for (std::size_t i = 1; i < refs.size(); ++i) {
    rt.get(rt.task([](std::span<const int> values) { return values[0]; }).remote(hetsched::read(refs[i])));
  }
  const auto restores_before_write = rt.store_stats().restores;
  rt.get(rt.task([](std::span<int> values) { std::fill(values.begin(), values.end(), 9); })
             .remote(hetsched::write(oldest)));
  EXPECT_EQ(rt.store_stats().restores, restores_before_write);
  EXPECT_GT(restores_before_write, restores);
  std::vector<int> nines(elements, 9);
  auto view = rt.get(oldest);
  EXPECT_TRUE(std::equal(view.begin(), view.end(), nines.begin(), nines.end()));
}

TEST_F(Spill, AGetViewKeepsItsBufferInMemoryAndAFullBudgetSaysSo) {
  hetsched::Runtime rt{config(2 * buffer_bytes, buffer_bytes)};
  auto first = rt.put_buffer(numbers(elements, 1));
  auto second = rt.put_buffer(numbers(elements, 2));
  std::span<const int> view_first = rt.get(first);
  std::span<const int> view_second = rt.get(second);
  try {
    (void)rt.put_buffer(numbers(elements, 3));
    FAIL() << "a third buffer fit in a budget of two whose views are held";
  } catch (const hetsched::ObjectStoreFullError& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find("a Buffer's host copy"), std::string::npos) << what;
    EXPECT_NE(what.find(std::to_string(2 * buffer_bytes) + " kept in memory"), std::string::npos) << what;
  }
  EXPECT_EQ(view_first[5], 6);  // neither was spilled under the views
  EXPECT_EQ(view_second[5], 7);
  EXPECT_EQ(rt.store_stats().spills, 0u);
}

TEST_F(Spill, AnAlteredSpilledBufferFailsItsReadersWithObjectLostErrorAndNothingElse) {
  hetsched::Runtime rt{config(buffer_bytes + buffer_bytes / 2, 1)};  // batches of one buffer: one file each
  auto victim = rt.put_buffer(numbers(elements, 1));
  auto second = rt.put_buffer(numbers(elements, 2));  // pushes the victim out
  ASSERT_EQ(files().size(), 1u);
  ASSERT_TRUE(hetsched_test::flip_byte(path(files()[0]), 100));
  auto total = rt.task([](std::span<const int> values) { return sum(values); }).remote(hetsched::read(victim));
  try {
    (void)rt.get(total);
    FAIL() << "a task read an altered buffer";
  } catch (const hetsched::ObjectLostError& error) {
    EXPECT_NE(std::string(error.what()).find("a Buffer's host copy"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("checksum"), std::string::npos) << error.what();
  }
  EXPECT_THROW((void)rt.get(victim), hetsched::ObjectLostError);  // lost for good, never silently wrong
  auto other = rt.task([](std::span<const int> values) { return sum(values); }).remote(hetsched::read(second));
  EXPECT_EQ(rt.get(other), sum(numbers(elements, 2)));
  // Overwriting it entirely makes it whole again: nothing of the lost bytes is read.
  rt.get(rt.task([](std::span<int> values) { std::fill(values.begin(), values.end(), 3); })
             .remote(hetsched::write(victim)));
  EXPECT_EQ(rt.get(victim)[7], 3);
}

TEST_F(Spill, AFullDiskRefusesTheNewBufferAndLosesNothing) {
  {
    hetsched_test::FileSizeLimit full_disk(16 * kib);  // every write past 16 KiB fails as on a full disk
    ASSERT_TRUE(full_disk.set());
    hetsched::Runtime rt{config(buffer_bytes + buffer_bytes / 2, 1)};
    auto first = rt.put_buffer(numbers(elements, 1));
    try {
      (void)rt.put_buffer(numbers(elements, 2));
      FAIL() << "a buffer was put past the budget on a full disk";
    } catch (const hetsched::ObjectStoreFullError& error) {
      EXPECT_NE(std::string(error.what()).find("disk full"), std::string::npos) << error.what();
    }
    auto total = rt.task([](std::span<const int> values) { return sum(values); }).remote(hetsched::read(first));
    EXPECT_EQ(rt.get(total), sum(numbers(elements, 1)));
    EXPECT_EQ(rt.store_stats().spills, 0u);
  }
  EXPECT_TRUE(files().empty()) << "the half-written file was removed";
}

TEST_F(Spill, AStaleHostCopyIsSpilledWithoutWritingAndAGpuWriteBackReplacesIt) {
  hetsched::Config cfg = config(2 * buffer_bytes + buffer_bytes / 2, buffer_bytes, 2, 1);
  cfg.logical_gpu_memory = buffer_bytes * 3 / 2;  // room for one buffer on the GPU
  hetsched::Runtime rt{cfg};
  auto on_gpu = rt.put_buffer(numbers(elements, 0));
  rt.get(rt.task([](std::span<int> values) { std::fill(values.begin(), values.end(), 7); })
             .gpus(1)
             .remote(hetsched::write(on_gpu)));  // the GPU copy is the owner; the host copy is stale
  auto others = put_buffers(rt, 2);             // past the budget: the stale host copy goes first
  auto stats = rt.store_stats();
  EXPECT_GE(stats.spills, 1u);
  EXPECT_EQ(stats.bytes_spilled, 0u);  // nothing valid was on the host to write
  // Another buffer on the GPU evicts the owner replica, which is written back over the spilled host copy.
  auto total = rt.task([](std::span<const int> values) { return sum(values); }).gpus(1).remote(hetsched::read(others[0]));
  EXPECT_EQ(rt.get(total), sum(numbers(elements, 0)));
  EXPECT_EQ(rt.store_stats().write_backs, 1u);
  auto view = rt.get(on_gpu);
  EXPECT_EQ(std::count(view.begin(), view.end(), 7), static_cast<long>(elements));
  auto second = rt.get(others[1]);
  EXPECT_EQ(second[10], 100010);
}

/// put_buffer, again while the budget is full of what running tasks pin for a moment (a legitimate refusal).
IntBuffer put_retrying(hetsched::Runtime& rt, std::vector<int> values, std::atomic<int>& refused) {
  for (;;) {
    try {
      return rt.put_buffer(values);
    } catch (const hetsched::ObjectStoreFullError&) {
      ++refused;
      std::this_thread::yield();
    }
  }
}

TEST_F(Spill, ConcurrentBufferTasksOnCpusAndGpusUnderATinyBudgetLoseNoWrite) {
  // Spills, restores, GPU copies, write-backs and frees race on the same buffers; every increment must survive.
  hetsched::Config cfg = config(3 * buffer_bytes, buffer_bytes / 2, 2, 2);
  cfg.logical_gpu_memory = buffer_bytes * 2;
  hetsched::Runtime rt{cfg};
  // Unpinned and oldest: spilled for certain once the workers' buffers exceed the budget with it.
  auto ballast = rt.put_buffer(std::vector<int>(2 * elements, -1));
  constexpr int threads = 3;
  constexpr int buffers_each = 4;
  constexpr int rounds = 12;
  std::atomic<int> wrong{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<IntBuffer> mine;
      for (int b = 0; b < buffers_each; ++b) {
        mine.push_back(put_retrying(rt, std::vector<int>(elements / 4, t * 1000 + b), refused));
      }
      for (int r = 0; r < rounds; ++r) {
        for (int b = 0; b < buffers_each; ++b) {
          rt.task([](std::span<int> values) {
              for (int& value : values) value += 1;
            })
              .gpus((r + b) % 3 == 0 ? 0.0 : 0.5)
              .remote(hetsched::read_write(mine[b]));
        }
        if (r % 4 == 3) (void)put_retrying(rt, std::vector<int>(elements, r), refused);  // spills others, then goes
      }
      for (int b = 0; b < buffers_each; ++b) {
        auto check = rt.task([](std::span<const int> values) {
                         return std::all_of(values.begin(), values.end(), [&](int v) { return v == values[0]; })
                                    ? values[0]
                                    : -1;
                       }).remote(hetsched::read(mine[b]));
        if (rt.get(check) != t * 1000 + b + rounds) ++wrong;
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(rt.store_stats().spills, 0u);
  auto first = rt.task([](std::span<const int> values) { return values[0] + values[values.size() - 1]; })
                   .remote(hetsched::read(ballast));
  EXPECT_EQ(rt.get(first), -2);
  std::printf("[ info ] %d puts refused while running tasks pinned the budget\n", refused.load());
}

TEST_F(Spill, EveryBufferPathDropsItsPinsSoABudgetSizedBufferFitsAfterward) {
  // Each way of touching a host copy (put, CPU read and write, GPU copies in and write-backs, get views of others)
  // pins it; if any left a pin behind, the last put could not spill that buffer and would be refused.
  hetsched::Config cfg = config(4 * buffer_bytes, buffer_bytes, 2, 1);
  cfg.logical_gpu_memory = buffer_bytes * 3 / 2;
  hetsched::Runtime rt{cfg};
  auto refs = put_buffers(rt, 6);
  std::vector<hetsched::ObjectRef<void>> updates;
  std::vector<hetsched::ObjectRef<int>> reads;
  for (int i = 0; i < 6; ++i) {
    updates.push_back(rt.task([](std::span<int> values) { values[0] += 1; }).remote(hetsched::read_write(refs[i])));
    updates.push_back(
        rt.task([](std::span<int> values) { values[1] += 1; }).gpus(1).remote(hetsched::read_write(refs[i])));
    reads.push_back(
        rt.task([](std::span<const int> values) { return values[2]; }).gpus(1).remote(hetsched::read(refs[(i + 3) % 6])));
    updates.push_back(rt.task([](std::span<int> values) { std::fill(values.begin(), values.end(), 4); })
                          .gpus(1)
                          .remote(hetsched::write(refs[(i + 1) % 6])));
  }
  for (auto& ref : refs) reads.push_back(rt.task([](std::span<const int> values) { return values[0]; }).remote(hetsched::read(ref)));
  rt.wait(updates, updates.size());  // every task is over: none pins anything now
  rt.wait(reads, reads.size());
  updates.clear();
  reads.clear();
  EXPECT_GT(rt.store_stats().spills, 0u);
  EXPECT_GT(rt.store_stats().write_backs, 0u);
  // All of the budget but 1 KiB for small task results not yet freed: every other buffer must go out.
  const std::size_t whole_elements = 4 * elements - 256;
  auto whole = rt.put_buffer(std::vector<int>(whole_elements, 1));
  for (std::size_t i = 0; i < refs.size(); ++i) {
    auto total = rt.task([](std::span<const int> values) { return sum(values); }).remote(hetsched::read(refs[i]));
    // Buffer i > 0 was overwritten with 4s (by the write at i - 1) before its two increments; buffer 0 after them.
    EXPECT_EQ(rt.get(total), 4LL * static_cast<long long>(elements) + (i == 0 ? 0 : 2)) << "buffer " << i;
  }
  auto total = rt.task([](std::span<const int> values) { return sum(values); }).remote(hetsched::read(whole));
  EXPECT_EQ(rt.get(total), static_cast<long long>(whole_elements));
}

}  // namespace
