// The scheduler's discipline as the simulator replays it: class heads in (priority, arrival) order, waits that keep
// the head queued, and the reservation of a head overtaken max_bypass times.
#include <gtest/gtest.h>

#include "class_queues.hpp"

namespace hetsched::bench {
namespace {

TEST(ClassQueues, OffersHeadsByPriorityThenArrivalAndOnlyHeads) {
  const std::vector<int> priorities{0, 1, 0, 5};
  ClassQueues queues(priorities, 64);
  queues.push(0, 0);
  queues.push(1, 0);  // class 0: task 1 (priority 1) is its head
  queues.push(2, 1);
  queues.push(3, 1);  // class 1: task 3 (priority 5) is its head
  std::vector<std::pair<std::uint32_t, std::uint32_t>> offered;
  queues.dispatch(
      [&](std::uint32_t task, std::uint32_t behind) {
        offered.emplace_back(task, behind);
        return Offer::waits;
      },
      [](std::uint32_t) {});
  ASSERT_EQ(offered.size(), 2u);
  EXPECT_EQ(offered[0], std::make_pair(3u, 1u));  // highest priority head first, one task behind it
  EXPECT_EQ(offered[1], std::make_pair(1u, 1u));
  EXPECT_EQ(queues.size(), 4u);  // waiting heads stay queued
}

TEST(ClassQueues, AStartRecomputesTheHeadsUntilNoneStarts) {
  const std::vector<int> priorities{0, 0, 0};
  ClassQueues queues(priorities, 64);
  for (std::uint32_t t = 0; t < 3; ++t) queues.push(t, 0);
  std::vector<std::uint32_t> started;
  queues.dispatch(
      [&](std::uint32_t task, std::uint32_t) {
        if (started.size() == 2) return Offer::waits;
        started.push_back(task);
        return Offer::started;
      },
      [](std::uint32_t) {});
  EXPECT_EQ(started, (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(queues.size(), 1u);
}

TEST(ClassQueues, AHeadOvertakenMaxBypassTimesHoldsBackEverythingBehindIt) {
  const std::vector<int> priorities{1, 0, 0, 0};
  ClassQueues queues(priorities, 2);
  queues.push(0, 0);  // the head that never fits
  for (std::uint32_t t = 1; t < 4; ++t) queues.push(t, 1);
  std::vector<std::uint32_t> started;
  auto offer = [&](std::uint32_t task, std::uint32_t) {
    if (task == 0) return Offer::waits;
    started.push_back(task);
    return Offer::started;
  };
  queues.dispatch(offer, [](std::uint32_t) {});
  EXPECT_EQ(started, (std::vector<std::uint32_t>{1, 2}));  // two overtakes, then task 0 is reserved
  queues.dispatch(offer, [](std::uint32_t) {});
  EXPECT_EQ(started.size(), 2u);
}

}  // namespace
}  // namespace hetsched::bench
