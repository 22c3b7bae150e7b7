// put and ObjectRef: values moved in without copies, reference counting and reclamation.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "test_support.hpp"

namespace {

using hetsched_test::CopyCounter;
using hetsched_test::eventually;
using hetsched_test::make_config;

TEST(Put, StoresAValueThatIsReadyAtOnce) {
  hetsched::Runtime rt{make_config(1)};
  auto ref = rt.put(std::string("stored"));
  EXPECT_TRUE(ref.valid());
  EXPECT_TRUE(ref.is_ready());
  EXPECT_NE(ref.id(), 0u);
  EXPECT_EQ(rt.get(ref), "stored");
}

TEST(Put, MovesAnRvalueInWithoutCopying) {
  hetsched::Runtime rt{make_config(1)};
  CopyCounter::reset();
  CopyCounter value(5);
  auto ref = rt.put(std::move(value));
  EXPECT_EQ(rt.get(ref).value, 5);
  EXPECT_EQ(CopyCounter::copies.load(), 0);
}

TEST(Put, KeepsTheBufferOfAMovedVector) {
  hetsched::Runtime rt{make_config(1)};
  std::vector<double> big(100000, 1.5);
  const double* buffer = big.data();
  auto ref = rt.put(std::move(big));
  EXPECT_EQ(rt.get(ref).data(), buffer);  // moved, never copied
}

TEST(Put, CopiesAnLvalueAndLeavesTheOriginalAlone) {
  hetsched::Runtime rt{make_config(1)};
  std::vector<int> original{1, 2, 3};
  auto ref = rt.put(original);
  EXPECT_EQ(original, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(rt.get(ref), original);
  EXPECT_NE(rt.get(ref).data(), original.data());
}

TEST(Put, SharesOneObjectWithEveryTaskThatReadsIt) {
  hetsched::Runtime rt{make_config(2)};
  CopyCounter::reset();
  auto shared = rt.put(CopyCounter(2));
  std::vector<hetsched::ObjectRef<int>> refs;
  for (int i = 0; i < 50; ++i) {
    refs.push_back(rt.task([](const CopyCounter& c, int k) { return c.value * k; }).remote(shared, i));
  }
  std::vector<int> values = rt.get(refs);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(values[static_cast<std::size_t>(i)], 2 * i);
  EXPECT_EQ(CopyCounter::copies.load(), 0);
}

TEST(Put, ReclaimsTheObjectWhenItsLastRefDies) {
  hetsched::Runtime rt{make_config(1)};
  const hetsched::StoreStats before = rt.store_stats();
  {
    auto ref = rt.put(std::vector<double>(10000, 1.0));
    auto copy = ref;
    hetsched::StoreStats during = rt.store_stats();
    EXPECT_EQ(during.objects, before.objects + 1);
    EXPECT_GE(during.bytes, before.bytes + 10000 * sizeof(double));
    ref.reset();
    EXPECT_EQ(rt.store_stats().objects, before.objects + 1);  // `copy` still holds it
  }
  EXPECT_EQ(rt.store_stats().objects, before.objects);
  EXPECT_EQ(rt.store_stats().bytes, before.bytes);
}

TEST(Put, ReclaimsTaskResultsOnceTheirRefsDie) {
  hetsched::Runtime rt{make_config(2)};
  const hetsched::StoreStats before = rt.store_stats();
  {
    std::vector<hetsched::ObjectRef<std::vector<int>>> refs;
    for (int i = 0; i < 20; ++i) refs.push_back(rt.task([] { return std::vector<int>(1000, 1); }).remote());
    rt.get(refs);
    EXPECT_GE(rt.store_stats().objects, before.objects + 20);
  }
  // The runtime may drop its own holds on a result just after publishing it, so allow it to settle.
  EXPECT_TRUE(eventually([&] { return rt.store_stats().objects == before.objects; }))
      << "objects alive: " << rt.store_stats().objects << ", before: " << before.objects;
  EXPECT_TRUE(eventually([&] { return rt.store_stats().bytes == before.bytes; }))
      << "bytes held: " << rt.store_stats().bytes << ", before: " << before.bytes;
}

TEST(ObjectRef, CopiesNameTheSameObjectAndMovesLeaveAnEmptyRef) {
  hetsched::Runtime rt{make_config(1)};
  auto a = rt.put(1);
  auto b = a;
  auto c = rt.put(1);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.id(), b.id());
  EXPECT_FALSE(a == c);
  EXPECT_NE(a.id(), c.id());
  auto moved = std::move(a);
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): documented to be empty
  EXPECT_EQ(a.id(), 0u);    // NOLINT(bugprone-use-after-move)
  EXPECT_FALSE(a.is_ready());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(moved, b);
}

}  // namespace
