// The record pool: blocks made on one thread and freed on another come back intact, whole and to one owner at a time.
#include "task/record_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace {

using hetsched::detail::allocate_record;
using hetsched::detail::free_record;

/// A block in flight between threads: its size and the byte pattern written into all of it.
struct Sent {
  unsigned char* block;
  std::size_t bytes;
  unsigned char pattern;
};

/// A queue of blocks from the producers to the consumers.
class Mailbox {
 public:
  void send(Sent sent) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(sent);
    }
    ready_.notify_one();
  }
  /// False once every producer is done and the queue is empty.
  bool receive(Sent& out) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return !queue_.empty() || open_producers_ == 0; });
    if (queue_.empty()) return false;
    out = queue_.front();
    queue_.pop_front();
    return true;
  }
  void producer_done() {
    {
      std::lock_guard lock(mutex_);
      --open_producers_;
    }
    ready_.notify_all();
  }
  explicit Mailbox(int producers) : open_producers_(producers) {}

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Sent> queue_;
  int open_producers_;
};

bool filled_with(const unsigned char* block, std::size_t bytes, unsigned char pattern) {
  for (std::size_t i = 0; i < bytes; ++i) {
    if (block[i] != pattern) return false;
  }
  return true;
}

TEST(RecordPool, BlocksFreedOnOtherThreadsComeBackWholeAndUnshared) {
  // Producers allocate and fill blocks of several sizes, consumers check and free them; both also allocate and free
  // locally, so that batches pass between threads both ways. A block handed out twice at once, a batch read while
  // another thread writes it, or a block shorter than asked for shows as a wrong pattern (and under the sanitizers
  // as a race or an overflow).
  constexpr int producers = 2;
  constexpr int consumers = 2;
  constexpr int per_producer = 20000;
  const std::size_t sizes[] = {16, 24, 88, 192, 200, 512};
  Mailbox mailbox(producers);
  std::atomic<int> wrong{0};
  std::atomic<long> received{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < per_producer; ++i) {
        const std::size_t bytes = sizes[static_cast<std::size_t>(i) % std::size(sizes)];
        const auto pattern = static_cast<unsigned char>(1 + (p * 31 + i) % 250);
        auto* block = static_cast<unsigned char*>(allocate_record(bytes));
        ASSERT_EQ(reinterpret_cast<std::uintptr_t>(block) % alignof(std::max_align_t), 0U);
        std::memset(block, pattern, bytes);
        if (i % 7 == 0) {  // some stay on this thread for a while
          auto* local = static_cast<unsigned char*>(allocate_record(bytes));
          std::memset(local, 0xee, bytes);
          if (!filled_with(block, bytes, pattern)) wrong.fetch_add(1);
          free_record(local, bytes);
        }
        mailbox.send({block, bytes, pattern});
      }
      mailbox.producer_done();
    });
  }
  for (int c = 0; c < consumers; ++c) {
    threads.emplace_back([&] {
      Sent sent{};
      while (mailbox.receive(sent)) {
        if (!filled_with(sent.block, sent.bytes, sent.pattern)) wrong.fetch_add(1);
        std::memset(sent.block, 0, sent.bytes);
        free_record(sent.block, sent.bytes);
        received.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(received.load(), long{producers} * per_producer);
}

TEST(RecordPool, NoBlockIsHandedOutTwiceWhileLive) {
  // Blocks freed by exited threads land in the shared lists; taking them again must give distinct blocks.
  constexpr int count = 5000;
  std::vector<void*> made(count);
  for (auto& block : made) block = allocate_record(88);
  std::thread freer([&] {
    for (void* block : made) free_record(block, 88);
  });
  freer.join();  // its cache went to the shared list at its exit
  std::set<void*> live;
  std::vector<void*> again;
  for (int i = 0; i < count; ++i) {
    void* block = allocate_record(88);
    EXPECT_TRUE(live.insert(block).second);
    again.push_back(block);
  }
  for (void* block : again) free_record(block, 88);
}

TEST(RecordPool, LargeAndEmptyRequestsUseTheOrdinaryHeap) {
  void* large = allocate_record(hetsched::detail::pooled_record_limit + 1);
  std::memset(large, 1, hetsched::detail::pooled_record_limit + 1);
  free_record(large, hetsched::detail::pooled_record_limit + 1);
  void* empty = allocate_record(0);
  EXPECT_NE(empty, nullptr);
  free_record(empty, 0);
  free_record(nullptr, 64);
}

#if defined(__SANITIZE_ADDRESS__)
TEST(RecordPool, AddressSanitizerSeesAUseOfACachedBlock) {
  // A block in the cache is poisoned past its link words, as a freed heap block would be.
  auto* block = static_cast<volatile unsigned char*>(allocate_record(88));
  free_record(const_cast<unsigned char*>(block), 88);
  EXPECT_DEATH(static_cast<void>(block[40]), "use-after-poison");
}
#endif

}  // namespace
