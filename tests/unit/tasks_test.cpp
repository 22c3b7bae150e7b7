// Tasks: every kind of callable, argument and result, graphs wired by refs, and nested submission.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <memory>
#include <string>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "test_support.hpp"

namespace {

using hetsched_test::make_config;

int add(int a, int b) { return a + b; }

struct Multiply {
  int factor;
  int operator()(int x) const { return x * factor; }
};

struct Fibonacci {
  long operator()(hetsched::TaskContext& ctx, int n) const {
    if (n < 2) return n;
    auto& rt = ctx.runtime();
    auto a = rt.task(Fibonacci{}).name("fib").remote(n - 1);
    auto b = rt.task(Fibonacci{}).name("fib").remote(n - 2);
    return rt.get(a) + rt.get(b);
  }
};

TEST(Tasks, RunAFreeFunction) {
  hetsched::Runtime rt{make_config(2)};
  EXPECT_EQ(rt.get(rt.task(add).remote(2, 3)), 5);
  EXPECT_EQ(rt.get(rt.task(&add).remote(40, 2)), 42);
}

TEST(Tasks, RunALambdaWithCaptures) {
  hetsched::Runtime rt{make_config(2)};
  std::string prefix = "hello ";
  auto ref = rt.task([prefix](const std::string& who) { return prefix + who; }).remote(std::string("world"));
  EXPECT_EQ(rt.get(ref), "hello world");
}

TEST(Tasks, RunAFunctionObject) {
  hetsched::Runtime rt{make_config(2)};
  EXPECT_EQ(rt.get(rt.task(Multiply{7}).remote(6)), 42);
}

TEST(Tasks, ReuseOneBuilderForSeveralSubmissions) {
  hetsched::Runtime rt{make_config(2)};
  auto square = rt.task([](int x) { return x * x; }).name("square");
  auto a = square.remote(3);
  auto b = square.remote(4);
  EXPECT_NE(a, b);
  EXPECT_EQ(rt.get(a) + rt.get(b), 25);
}

TEST(Tasks, RunAMoveOnlyCallable) {
  hetsched::Runtime rt{make_config(2)};
  auto owned = std::make_unique<int>(9);
  auto fn = [p = std::move(owned)] { return *p + 1; };
  EXPECT_EQ(rt.get(rt.task(std::move(fn)).remote()), 10);
}

TEST(Tasks, TakeMoveOnlyArguments) {
  hetsched::Runtime rt{make_config(2)};
  auto ref = rt.task([](std::unique_ptr<int> p) { return *p + 1; }).remote(std::make_unique<int>(41));
  EXPECT_EQ(rt.get(ref), 42);
}

TEST(Tasks, ReturnMoveOnlyResults) {
  hetsched::Runtime rt{make_config(2)};
  hetsched::ObjectRef<std::unique_ptr<int>> ref = rt.task([] { return std::make_unique<int>(5); }).remote();
  const std::unique_ptr<int>& seen = rt.get(ref);
  ASSERT_NE(seen, nullptr);
  EXPECT_EQ(*seen, 5);
}

TEST(Tasks, PassAMoveOnlyResultToTheNextTaskByReference) {
  hetsched::Runtime rt{make_config(2)};
  auto boxed = rt.task([] { return std::make_unique<int>(20); }).remote();
  auto doubled = rt.task([](const std::unique_ptr<int>& p) { return *p * 2; }).remote(boxed);
  EXPECT_EQ(rt.get(doubled), 40);
  EXPECT_EQ(*rt.get(boxed), 20);  // still there: the dependent only read it
}

TEST(Tasks, ReturnVoid) {
  hetsched::Runtime rt{make_config(2)};
  std::atomic<int> runs{0};
  hetsched::ObjectRef<void> ref = rt.task([&runs] { ++runs; }).remote();
  rt.get(ref);
  EXPECT_TRUE(ref.is_ready());
  EXPECT_EQ(runs.load(), 1);
}

TEST(Tasks, OrderAfterAVoidResultPassedAsArgument) {
  hetsched::Runtime rt{make_config(2)};
  std::atomic<bool> first_done{false};
  auto first = rt.task([&first_done] { first_done = true; }).remote();
  auto second = rt.task([&first_done](const auto&) { return first_done.load(); }).remote(first);
  EXPECT_TRUE(rt.get(second));
}

TEST(Tasks, ReceiveTheContextAsFirstParameter) {
  hetsched::Runtime rt{make_config(2)};
  auto ref = rt.task([](hetsched::TaskContext& ctx, int x) {
                 return ctx.name() + ":" + std::to_string(x) + ":" + std::to_string(ctx.cpus()) + ":" +
                        std::to_string(ctx.gpus()) + ":" + std::to_string(ctx.gpu_ids().size());
               })
                 .cpus(2)
                 .name("with_context")
                 .remote(3);
  EXPECT_EQ(rt.get(ref), "with_context:3:" + std::to_string(2.0) + ":" + std::to_string(0.0) + ":0");
}

TEST(Tasks, GiveTheContextARuntimeThatIsTheSubmittingOne) {
  hetsched::Runtime rt{make_config(2)};
  auto ref = rt.task([](hetsched::TaskContext& ctx) { return &ctx.runtime(); }).remote();
  EXPECT_EQ(rt.get(ref), &rt);
}

TEST(Tasks, WireADiamondThroughObjectRefArguments) {
  hetsched::Runtime rt{make_config(2)};
  std::atomic<int> top_runs{0};
  auto top = rt.task([&top_runs] {
                 ++top_runs;
                 return 1;
               }).remote();
  auto left = rt.task([](const int& x) { return x + 1; }).remote(top);
  auto right = rt.task([](const int& x) { return x * 10; }).remote(top);
  auto bottom = rt.task([](const int& l, const int& r, int extra) { return l + r + extra; }).remote(left, right, 100);
  EXPECT_EQ(rt.get(bottom), 2 + 10 + 100);
  EXPECT_EQ(top_runs.load(), 1);
}

TEST(Tasks, ReceiveObjectRefArgumentsWithoutCopying) {
  hetsched::Runtime rt{make_config(2)};
  hetsched_test::CopyCounter::reset();
  auto ref = rt.put(hetsched_test::CopyCounter(8));
  const hetsched_test::CopyCounter* stored = &rt.get(ref);
  auto same = rt.task([stored](const hetsched_test::CopyCounter& c) { return &c == stored && c.value == 8; })
                  .remote(ref);
  EXPECT_TRUE(rt.get(same));
  EXPECT_EQ(hetsched_test::CopyCounter::copies.load(), 0);
}

TEST(Tasks, SubmitNestedTasksFromATask) {
  hetsched::Runtime rt{make_config(1)};
  auto outer = rt.task([](hetsched::TaskContext& ctx, int n) {
                   auto inner = ctx.runtime().task([](int x) { return x * 3; }).remote(n);
                   return ctx.runtime().get(inner) + 1;
                 }).remote(5);
  EXPECT_EQ(rt.get(outer), 16);
}

TEST(Tasks, ReturnARefToNestedWorkThatOutlivesTheParent) {
  hetsched::Runtime rt{make_config(2)};
  auto outer = rt.task([](hetsched::TaskContext& ctx, int n) {
                   return ctx.runtime().task([](int x) { return x - 1; }).remote(n);
                 }).remote(10);
  hetsched::ObjectRef<int> inner = rt.get(outer);
  EXPECT_EQ(rt.get(inner), 9);
}

TEST(Tasks, ComputeFibonacciThroughNestedRemoteCallsOnOneCpu) {
  hetsched::Runtime rt{make_config(1)};
  EXPECT_EQ(rt.get(rt.task(Fibonacci{}).name("fib").remote(12)), 144);
}

TEST(Tasks, RunEachSubmittedTaskExactlyOnce) {
  hetsched::Runtime rt{make_config(2)};
  constexpr int count = 500;
  std::vector<std::atomic<int>> runs(count);
  std::vector<hetsched::ObjectRef<int>> refs;
  for (int i = 0; i < count; ++i) {
    refs.push_back(rt.task([&runs](int k) {
                       ++runs[static_cast<std::size_t>(k)];
                       return k;
                     }).remote(i));
  }
  std::vector<int> values = rt.get(refs);
  for (int i = 0; i < count; ++i) {
    EXPECT_EQ(values[static_cast<std::size_t>(i)], i);
    EXPECT_EQ(runs[static_cast<std::size_t>(i)].load(), 1) << "task " << i;
  }
}

}  // namespace

namespace {

// A callable and a result that ask for a cache line's alignment: the task record and the result entry must get it.
struct alignas(64) WideCallable {
  int base = 7;
  std::uintptr_t operator()(int x) const { return reinterpret_cast<std::uintptr_t>(this) % 64 + base + x; }
};
struct alignas(64) WideResult {
  int value = 0;
};

}  // namespace

TEST(Tasks, GiveOverAlignedCallablesAndResultsTheirAlignment) {
  hetsched::Runtime rt{make_config(2)};
  std::vector<hetsched::ObjectRef<std::uintptr_t>> offsets;
  std::vector<hetsched::ObjectRef<WideResult>> results;
  for (int i = 0; i < 200; ++i) {
    offsets.push_back(rt.task(WideCallable{}).remote(i));
    results.push_back(rt.task([i] { return WideResult{i}; }).remote());
  }
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(rt.get(offsets[static_cast<std::size_t>(i)]), static_cast<std::uintptr_t>(7 + i));
    const WideResult& result = rt.get(results[static_cast<std::size_t>(i)]);
    EXPECT_EQ(result.value, i);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&result) % 64, 0U);
  }
}

TEST(Tasks, FreeRecordsMadeByAThreadThatHasExited) {
  // Task records and result entries come from a per-thread heap; these are made on a thread that is gone before
  // they run, complete and are freed on others (run it under AddressSanitizer to see a wrong free).
  hetsched::Runtime rt{make_config(2)};
  std::vector<hetsched::ObjectRef<int>> refs;
  std::thread submitter([&] {
    auto gate = rt.task([] { return 0; }).remote();
    for (int i = 0; i < 2000; ++i) refs.push_back(rt.task([](int g, int x) { return g + x; }).remote(gate, i));
  });
  submitter.join();
  long sum = 0;
  for (auto& ref : refs) sum += rt.get(ref);
  refs.clear();
  EXPECT_EQ(sum, 1999L * 2000 / 2);
}
