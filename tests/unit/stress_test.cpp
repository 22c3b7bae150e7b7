// Concurrency stress: many threads submit, put, wait and get at once, sharing refs. Written for ThreadSanitizer:
// every value crosses threads only through the runtime, so a race inside it shows up as a report or a wrong result.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "test_support.hpp"

namespace {

using hetsched_test::make_config;

TEST(Stress, ManyThreadsSubmitAndGetAtOnce) {
  constexpr int threads = 4;
  constexpr int tasks_per_thread = 2000;
  hetsched::Runtime rt{make_config(4)};
  // Shared by every thread: refs are copied and passed to tasks concurrently.
  const std::vector<hetsched::ObjectRef<long>> shared{rt.put(1000L), rt.put(2000L), rt.put(3000L)};
  std::atomic<int> wrong{0};
  std::atomic<int> errors{0};

  auto worker = [&](int thread) {
    try {
      std::vector<hetsched::ObjectRef<long>> pending;
      std::vector<long> expected;
      hetsched::ObjectRef<long> previous = rt.put(0L);
      long previous_value = 0;
      for (int i = 0; i < tasks_per_thread; ++i) {
        const long base = long{thread} * 1'000'000 + i;
        hetsched::ObjectRef<long> ref;
        long value = 0;
        switch (i % 4) {
          case 0:  // plain values
            ref = rt.task([](long x) { return x * 2; }).remote(base);
            value = base * 2;
            break;
          case 1: {  // a ref shared with every other thread
            const auto& other = shared[static_cast<std::size_t>(i) % shared.size()];
            ref = rt.task([](const long& s, long x) { return s + x; }).remote(other, base);
            value = 1000L * (static_cast<long>(i % 3) + 1) + base;
            break;
          }
          case 2:  // a chain through this thread's previous result
            ref = rt.task([](const long& p, long x) { return p + x; }).remote(previous, base);
            value = previous_value + base;
            break;
          default:  // nested work from inside a task
            ref = rt.task([](hetsched::TaskContext& ctx, long x) {
                      auto inner = ctx.runtime().task([](long y) { return y + 1; }).remote(x);
                      return ctx.runtime().get(inner);
                    }).remote(base);
            value = base + 1;
            break;
        }
        previous = ref;
        previous_value = value;
        if (i % 5 == 0) {
          if (rt.get(ref) != value) ++wrong;
        } else {
          pending.push_back(ref);
          expected.push_back(value);
        }
        if (i % 50 == 49 && !pending.empty()) {  // drain part of the backlog through wait
          auto result = rt.wait(pending, 1);
          if (result.ready.size() != 1) ++wrong;
        }
      }
      std::vector<long> values = rt.get(pending);
      if (values != expected) ++wrong;
    } catch (const std::exception& error) {
      ADD_FAILURE() << "thread " << thread << ": " << error.what();
      ++errors;
    }
  };

  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t);
  for (auto& thread : pool) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(rt.get(shared[2]), 3000L);
}

TEST(Stress, RefsCopiedAndDroppedFromManyThreadsAreReclaimed) {
  hetsched::Runtime rt{make_config(2)};
  const std::size_t before = rt.store_stats().objects;
  {
    auto ref = rt.task([] { return std::string(1000, 'x'); }).remote();
    std::vector<std::thread> pool;
    std::atomic<int> wrong{0};
    for (int t = 0; t < 4; ++t) {
      pool.emplace_back([&] {
        for (int i = 0; i < 2000; ++i) {
          auto copy = ref;
          if (i % 100 == 0 && rt.get(copy).size() != 1000u) ++wrong;
        }
      });
    }
    for (auto& thread : pool) thread.join();
    EXPECT_EQ(wrong.load(), 0);
  }
  EXPECT_TRUE(hetsched_test::eventually([&] { return rt.store_stats().objects == before; }));
}

}  // namespace
