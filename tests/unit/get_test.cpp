// get: single and vector reads, timeouts, empty refs, zero-copy access and moving out.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <type_traits>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "test_support.hpp"

namespace {

using hetsched_test::CopyCounter;
using hetsched_test::Gate;
using hetsched_test::make_config;
using namespace std::chrono_literals;

TEST(Get, ReturnsTheValueOfOneTask) {
  hetsched::Runtime rt{make_config(2)};
  auto ref = rt.task([] { return 42; }).remote();
  EXPECT_EQ(rt.get(ref), 42);
  EXPECT_TRUE(ref.is_ready());
}

TEST(Get, ReturnsTheValuesOfAVectorInOrder) {
  hetsched::Runtime rt{make_config(2)};
  std::vector<hetsched::ObjectRef<int>> refs;
  for (int i = 0; i < 20; ++i) refs.push_back(rt.task([](int x) { return x * x; }).remote(i));
  std::vector<int> values = rt.get(refs);
  ASSERT_EQ(values.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(values[static_cast<std::size_t>(i)], i * i);
}

TEST(Get, ReturnsAnEmptyVectorForNoRefs) {
  hetsched::Runtime rt{make_config(1)};
  std::vector<hetsched::ObjectRef<int>> none;
  EXPECT_TRUE(rt.get(none).empty());
}

TEST(Get, ThrowsGetTimeoutErrorWhenTheTaskIsLate) {
  Gate release;
  hetsched::Runtime rt{make_config(2)};
  auto ref = rt.task([&release] { return release.wait() ? 7 : -1; }).remote();
  EXPECT_THROW(rt.get(ref, 20ms), hetsched::GetTimeoutError);
  EXPECT_FALSE(ref.is_ready());
  release.open();
  EXPECT_EQ(rt.get(ref), 7);  // the timeout did not disturb the task
}

TEST(Get, ThrowsGetTimeoutErrorWhenOneOfAVectorIsLate) {
  Gate release;
  hetsched::Runtime rt{make_config(2)};
  std::vector<hetsched::ObjectRef<int>> refs{rt.put(1), rt.task([&release] { return release.wait() ? 2 : -1; }).remote()};
  EXPECT_THROW(rt.get(refs, 20ms), hetsched::GetTimeoutError);
  release.open();
  EXPECT_EQ(rt.get(refs), (std::vector<int>{1, 2}));
}

TEST(Get, ReturnsBeforeTheTimeoutWhenTheValueIsReady) {
  hetsched::Runtime rt{make_config(2)};
  auto ref = rt.put(3);
  EXPECT_EQ(rt.get(ref, 0ms), 3);
  EXPECT_EQ(rt.get(ref, hetsched_test::hang_guard), 3);
}

TEST(Get, ThrowsUsageErrorForAnEmptyRef) {
  hetsched::Runtime rt{make_config(1)};
  hetsched::ObjectRef<int> empty;
  EXPECT_FALSE(empty.valid());
  EXPECT_THROW(rt.get(empty), hetsched::UsageError);
  EXPECT_THROW(rt.get(empty, 10ms), hetsched::UsageError);
  EXPECT_THROW(rt.get(std::vector<hetsched::ObjectRef<int>>{rt.put(1), empty}), hetsched::UsageError);
}

TEST(Get, ThrowsUsageErrorForAMovedFromRef) {
  hetsched::Runtime rt{make_config(1)};
  auto ref = rt.put(1);
  auto other = std::move(ref);
  EXPECT_THROW(rt.get(ref), hetsched::UsageError);  // NOLINT(bugprone-use-after-move): that is the point
  EXPECT_EQ(rt.get(other), 1);
}

TEST(Get, ReturnsAConstReferenceToTheStoredObject) {
  hetsched::Runtime rt{make_config(2)};
  auto ref = rt.task([] { return std::vector<int>(1000, 4); }).remote();
  static_assert(std::is_same_v<decltype(rt.get(ref)), const std::vector<int>&>);
  const std::vector<int>& first = rt.get(ref);
  const std::vector<int>& second = rt.get(ref);
  EXPECT_EQ(&first, &second);
  auto copy = ref;
  EXPECT_EQ(&rt.get(copy), &first);  // every ref to the object reads the same one
  EXPECT_EQ(first.size(), 1000u);
}

TEST(Get, NeverCopiesAResult) {
  hetsched::Runtime rt{make_config(2)};
  CopyCounter::reset();
  auto ref = rt.task([] { return CopyCounter(11); }).remote();
  EXPECT_EQ(rt.get(ref).value, 11);
  EXPECT_EQ(rt.get(ref).value, 11);
  EXPECT_EQ(CopyCounter::copies.load(), 0);
}

TEST(Get, MovesAMoveOnlyResultOutOfATemporaryRef) {
  hetsched::Runtime rt{make_config(2)};
  auto ref = rt.task([] { return std::make_unique<int>(7); }).remote();
  std::unique_ptr<int> owned = rt.get(std::move(ref));
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 7);
}

TEST(Get, MovesOutWithoutCopyingWhenTheRefIsTheOnlyOne) {
  hetsched::Runtime rt{make_config(2)};
  CopyCounter::reset();
  auto ref = rt.task([] { return CopyCounter(3); }).remote();
  rt.get(ref);  // make sure it is ready; the rvalue get below then owns the only reference
  CopyCounter value = rt.get(std::move(ref));
  EXPECT_EQ(value.value, 3);
  EXPECT_EQ(CopyCounter::copies.load(), 0);
}

TEST(Get, CopiesOutOfATemporaryRefWhenOtherRefsShareTheObject) {
  hetsched::Runtime rt{make_config(2)};
  auto ref = rt.put(std::vector<int>{1, 2, 3});
  auto kept = ref;
  std::vector<int> taken = rt.get(std::move(ref));
  EXPECT_EQ(taken, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(rt.get(kept), (std::vector<int>{1, 2, 3}));  // the shared object was not moved from
}

TEST(Get, RefusesToMoveAMoveOnlyObjectOtherRefsShare) {
  hetsched::Runtime rt{make_config(2)};
  auto ref = rt.task([] { return std::make_unique<int>(1); }).remote();
  auto kept = ref;
  EXPECT_THROW(rt.get(std::move(ref)), hetsched::UsageError);
  ASSERT_NE(rt.get(kept), nullptr);
  EXPECT_EQ(*rt.get(kept), 1);
}

TEST(Get, MovesValuesOutOfATemporaryVector) {
  hetsched::Runtime rt{make_config(2)};
  std::vector<hetsched::ObjectRef<std::unique_ptr<int>>> refs;
  for (int i = 0; i < 4; ++i) refs.push_back(rt.task([](int x) { return std::make_unique<int>(x); }).remote(i));
  std::vector<std::unique_ptr<int>> values = rt.get(std::move(refs));
  ASSERT_EQ(values.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(*values[static_cast<std::size_t>(i)], i);
}

TEST(Get, WorksFromInsideATask) {
  hetsched::Runtime rt{make_config(1)};
  auto data = rt.put(std::vector<int>{1, 2, 3, 4});
  auto sum = rt.task([data](hetsched::TaskContext& ctx) {
                 int total = 0;
                 for (int x : ctx.runtime().get(data)) total += x;
                 return total;
               }).remote();
  EXPECT_EQ(rt.get(sum), 10);
}

}  // namespace
