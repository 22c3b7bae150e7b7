// BlockPool, the reuse cache in front of pinned host memory: reuse within a quarter, the keep limit, retry after an
// allocation failure, and give-backs racing with takes.
#include "store/block_pool.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <mutex>
#include <new>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace hetsched::detail {
namespace {

constexpr std::size_t page = 4096;

/// An allocator that remembers what is live, refuses past `budget` bytes live, and flags a double release.
struct CountingAllocator {
  std::mutex mutex;
  std::set<std::byte*> live;
  std::size_t live_bytes = 0;
  std::size_t budget = SIZE_MAX;
  std::vector<std::pair<std::byte*, std::size_t>> sizes;
  bool bad_release = false;

  BlockPool pool(std::size_t keep_limit) {
    return BlockPool([this](std::size_t bytes) { return allocate(bytes); },
                     [this](std::byte* block) { release(block); }, keep_limit, page);
  }

  std::byte* allocate(std::size_t bytes) {
    std::lock_guard lock(mutex);
    if (live_bytes + bytes > budget) throw std::bad_alloc();
    auto* block = new std::byte[bytes];
    live.insert(block);
    sizes.emplace_back(block, bytes);
    live_bytes += bytes;
    return block;
  }

  void release(std::byte* block) {
    std::lock_guard lock(mutex);
    if (live.erase(block) == 0) {
      bad_release = true;
      return;
    }
    for (auto& [address, bytes] : sizes) {
      if (address == block) {
        live_bytes -= bytes;
        address = nullptr;
      }
    }
    delete[] block;
  }
};

TEST(BlockPool, AGivenBackBlockServesTheNextRequestItFits) {
  CountingAllocator allocator;
  BlockPool pool = allocator.pool(1 << 20);
  std::byte* first = pool.take(10000);
  pool.give_back(first);
  EXPECT_EQ(pool.take(9000), first) << "both round up to three pages";
  EXPECT_EQ(pool.counts().allocations, 1u);
  EXPECT_EQ(pool.counts().reuses, 1u);
  pool.give_back(first);
}

TEST(BlockPool, ABlockFarLargerThanTheRequestIsNotUsed) {
  CountingAllocator allocator;
  BlockPool pool = allocator.pool(16 << 20);
  std::byte* large = pool.take(1 << 20);
  pool.give_back(large);
  std::byte* small = pool.take(page);
  EXPECT_NE(small, large) << "a 1 MiB block for one page would waste 255 pages";
  std::byte* five_pages = pool.take(5 * page);
  pool.give_back(five_pages);
  EXPECT_EQ(pool.take(4 * page), five_pages) << "a quarter to spare is fine";
  EXPECT_EQ(pool.counts().allocations, 3u);
  pool.give_back(small);
  pool.give_back(five_pages);
}

TEST(BlockPool, PastTheLimitTheLargestKeptBlocksAreReleased) {
  CountingAllocator allocator;
  BlockPool pool = allocator.pool(4 * page);
  std::byte* big = pool.take(3 * page);
  std::byte* small = pool.take(2 * page);
  pool.give_back(big);
  EXPECT_EQ(pool.counts().kept_bytes, 3 * page);
  pool.give_back(small);  // 5 pages kept > 4: the 3-page block goes
  EXPECT_EQ(pool.counts().kept_bytes, 2 * page);
  EXPECT_EQ(pool.counts().releases, 1u);
  EXPECT_EQ(allocator.live.count(big), 0u);
  EXPECT_EQ(allocator.live.count(small), 1u);
}

TEST(BlockPool, TrimToReleasesTheLargestKeptBlocksUntilAtMostTheGivenBytesAreKept) {
  CountingAllocator allocator;
  BlockPool pool = allocator.pool(100 * page);
  std::byte* one = pool.take(page);
  std::byte* two = pool.take(2 * page);
  std::byte* three = pool.take(3 * page);
  for (std::byte* block : {one, two, three}) pool.give_back(block);
  pool.trim_to(4 * page);  // 6 pages kept: the 3-page block goes, 3 remain
  EXPECT_EQ(pool.counts().kept_bytes, 3 * page);
  EXPECT_EQ(allocator.live.count(three), 0u);
  pool.trim_to(3 * page);  // already within
  EXPECT_EQ(pool.counts().releases, 1u);
  pool.trim_to(0);
  EXPECT_TRUE(allocator.live.empty());
  EXPECT_FALSE(allocator.bad_release);
}

TEST(BlockPool, UpToPeakItKeepsNoMoreThanTheMostEverTakenAtOnce) {
  CountingAllocator allocator;
  BlockPool pool = allocator.pool(BlockPool::keep_up_to_peak);
  std::vector<std::byte*> small;
  for (int i = 0; i < 10; ++i) small.push_back(pool.take(page));
  for (std::byte* block : small) pool.give_back(block);
  EXPECT_EQ(pool.counts().kept_bytes, 10 * page);  // the peak: 10 pages taken at once
  std::byte* large = pool.take(5 * page);          // no kept block fits it: a new one
  EXPECT_EQ(pool.counts().taken_bytes, 5 * page);
  EXPECT_EQ(pool.counts().kept_bytes, 10 * page);
  pool.give_back(large);  // 15 pages kept, past the peak of 10: the largest goes
  EXPECT_EQ(pool.counts().kept_bytes, 10 * page);
  EXPECT_EQ(allocator.live.count(large), 0u);
  EXPECT_EQ(allocator.live_bytes, 10 * page);
  small.clear();
  for (int i = 0; i < 12; ++i) small.push_back(pool.take(page));  // 10 kept, 2 new: the peak is 12 now
  EXPECT_EQ(pool.counts().reuses, 10u);
  for (std::byte* block : small) pool.give_back(block);
  EXPECT_EQ(pool.counts().kept_bytes, 12 * page);
  pool.trim();
  EXPECT_TRUE(allocator.live.empty());
  EXPECT_FALSE(allocator.bad_release);
}

TEST(BlockPool, WhenTheAllocatorIsOutOfMemoryKeptBlocksAreReleasedAndItTriesAgain) {
  CountingAllocator allocator;
  allocator.budget = 4 * page;
  BlockPool pool = allocator.pool(1 << 20);
  pool.give_back(pool.take(3 * page));
  std::byte* other = pool.take(2 * page);  // 3 kept + 2 > 4: fails once, trims, succeeds
  EXPECT_NE(other, nullptr);
  EXPECT_EQ(pool.counts().releases, 1u);
  EXPECT_THROW(pool.take(3 * page), std::bad_alloc) << "nothing kept is left to release: the failure is the caller's";
  pool.give_back(other);
}

TEST(BlockPool, DestroyingThePoolReleasesEveryKeptBlock) {
  CountingAllocator allocator;
  {
    BlockPool pool = allocator.pool(1 << 20);
    std::vector<std::byte*> blocks;
    for (std::size_t pages = 1; pages <= 8; ++pages) blocks.push_back(pool.take(pages * page));
    for (std::byte* block : blocks) pool.give_back(block);
  }
  EXPECT_TRUE(allocator.live.empty());
  EXPECT_FALSE(allocator.bad_release);
}

TEST(BlockPool, ConcurrentTakesAndGiveBacksNeverHandOutABlockTwice) {
  CountingAllocator allocator;
  BlockPool pool = allocator.pool(8 * page);  // small: releases race with takes
  std::mutex owned_mutex;
  std::set<std::byte*> owned;
  bool handed_out_twice = false;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(static_cast<unsigned>(t));
      std::vector<std::byte*> mine;
      for (int step = 0; step < 2000; ++step) {
        if (mine.empty() || random() % 2 == 0) {
          std::byte* block = pool.take((1 + random() % 4) * page);
          block[0] = std::byte{1};  // use it: a block still held by someone else would show up under TSan/ASan
          std::lock_guard lock(owned_mutex);
          handed_out_twice |= !owned.insert(block).second;
          mine.push_back(block);
        } else {
          std::byte* block = mine.back();
          mine.pop_back();
          {
            std::lock_guard lock(owned_mutex);
            owned.erase(block);
          }
          pool.give_back(block);
        }
      }
      for (std::byte* block : mine) {
        {
          std::lock_guard lock(owned_mutex);
          owned.erase(block);
        }
        pool.give_back(block);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_FALSE(handed_out_twice);
  pool.trim();
  EXPECT_TRUE(allocator.live.empty()) << allocator.live.size() << " blocks neither kept nor released";
  EXPECT_FALSE(allocator.bad_release);
  const BlockPool::Counts counts = pool.counts();
  EXPECT_EQ(counts.allocations, counts.releases);
  EXPECT_EQ(counts.kept_bytes, 0u);
}

}  // namespace
}  // namespace hetsched::detail
