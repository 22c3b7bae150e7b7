// The advisor's decisions on recorded facts (src/advice/): what each detector counts as its mistake, and what not.
// The behaviour through the runtime is in tests/unit/advice_test.cpp and examples/advice.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>

#include "advice/get_all_then_process.hpp"
#include "advice/idle_stream.hpp"
#include "advice/moving_buffers.hpp"
#include "advice/repeated_values.hpp"
#include "advice/serial_gets.hpp"
#include "advice/tiny_tasks.hpp"

namespace hetsched::detail {
namespace {

using namespace std::chrono_literals;

TEST(AdviceSerialGets, ThreeGetsEachOfTheTaskSubmittedJustBeforeMakeThePattern) {
  SerialGets gets(1001);
  for (std::uint64_t id = 1; id <= 2; ++id) {
    gets.submitted(id, true);
    EXPECT_FALSE(gets.got(id, true, false));
  }
  gets.submitted(3, true);
  EXPECT_TRUE(gets.got(3, true, false));
}

TEST(AdviceSerialGets, AnyBreakInThePatternStartsTheCountOver) {
  SerialGets gets(1002);
  auto two_serial_gets = [&](std::uint64_t first) {
    for (std::uint64_t id = first; id < first + 2; ++id) {
      gets.submitted(id, true);
      EXPECT_FALSE(gets.got(id, true, false));
    }
  };
  two_serial_gets(10);
  gets.submitted(12, true);
  EXPECT_FALSE(gets.got(12, false, false)) << "ready before get: nothing was serialised";
  two_serial_gets(20);
  gets.submitted(22, true);
  EXPECT_FALSE(gets.got(22, true, true)) << "other tasks ran meanwhile";
  two_serial_gets(30);
  gets.submitted(32, true);
  gets.submitted(33, true);
  EXPECT_FALSE(gets.got(33, true, false)) << "two tasks were in flight";
  two_serial_gets(40);
  gets.submitted(42, false);
  EXPECT_FALSE(gets.got(42, true, false)) << "two such tasks could never run at once";
  two_serial_gets(50);
  gets.submitted(52, true);
  EXPECT_FALSE(gets.got(51, true, false)) << "not the task just submitted";
}

TEST(AdviceSerialGets, EachThreadAndEachRuntimeCountsForItself) {
  SerialGets gets(1003);
  SerialGets other_runtime(1004);
  gets.submitted(1, true);
  EXPECT_FALSE(gets.got(1, true, false));
  gets.submitted(2, true);
  EXPECT_FALSE(gets.got(2, true, false));
  std::thread([&] {
    gets.submitted(3, true);
    EXPECT_FALSE(gets.got(3, true, false)) << "another thread's gets are not this one's";
  }).join();
  other_runtime.submitted(3, true);
  EXPECT_FALSE(other_runtime.got(3, true, false));
  gets.submitted(4, true);
  EXPECT_FALSE(gets.got(4, true, false)) << "another runtime's use of this thread started the count over";
}

TEST(AdviceTinyTasks, TheThresholdOfTinySamplesInARowMakesThePatternAndALongOneBreaksIt) {
  TinyTasks tiny;
  std::chrono::nanoseconds mean{};
  for (std::uint32_t i = 1; i < TinyTasks::threshold; ++i) EXPECT_FALSE(tiny.timed(100ns, mean));
  EXPECT_FALSE(tiny.timed(TinyTasks::tiny, mean)) << "a body of the threshold's length is not tiny";
  for (std::uint32_t i = 1; i < TinyTasks::threshold; ++i) EXPECT_FALSE(tiny.timed(300ns, mean));
  EXPECT_TRUE(tiny.timed(300ns, mean));
  EXPECT_EQ(mean, 300ns);
}

TEST(AdviceTinyTasks, OneBodyInSampleEveryIsTimedOnEachThread) {
  int sampled = 0;
  for (std::uint32_t i = 0; i < 10 * TinyTasks::sample_every; ++i) sampled += TinyTasks::sample();
  EXPECT_EQ(sampled, 10);
}

TEST(AdviceRepeatedValues, TheSameBytesPassedThresholdTimesMakeThePatternOnce) {
  RepeatedValues values;
  std::vector<std::byte> matrix(RepeatedValues::large, std::byte{1});
  for (std::uint32_t i = 1; i < RepeatedValues::threshold; ++i) EXPECT_FALSE(values.passed(matrix));
  EXPECT_TRUE(values.passed(matrix));
  EXPECT_FALSE(values.passed(matrix));
}

TEST(AdviceRepeatedValues, TheFingerprintTellsSizesAndSampledContentsApart) {
  std::vector<std::byte> a(RepeatedValues::large, std::byte{0});
  std::vector<std::byte> b = a;
  b[b.size() / 2 + 3] = std::byte{1};  // inside the middle sample
  std::vector<std::byte> c(RepeatedValues::large + 1, std::byte{0});
  EXPECT_NE(RepeatedValues::fingerprint(a), RepeatedValues::fingerprint(b));
  EXPECT_NE(RepeatedValues::fingerprint(a), RepeatedValues::fingerprint(c));
  EXPECT_EQ(RepeatedValues::fingerprint(a), RepeatedValues::fingerprint(std::vector<std::byte>(a)));
}

TEST(AdviceRepeatedValues, ManyDifferentValuesNeverMakeThePattern) {
  RepeatedValues values;
  std::vector<std::byte> chunk(RepeatedValues::large, std::byte{0});
  for (int i = 0; i < 100; ++i) {
    chunk.front() = static_cast<std::byte>(i);
    EXPECT_FALSE(values.passed(chunk));
  }
}

TEST(AdviceGetAll, WaitHelpsWhenEarlyResultsSatReadyAndWorkFollowed) {
  // The seed's numbers: tasks of 0.5 to 3.6 s, then 1 s of processing per result.
  EXPECT_TRUE(wait_would_help({3600ms, 3100ms, 4000ms, 4}));
  EXPECT_FALSE(wait_would_help({3600ms, 3100ms, 0ms, 4})) << "nothing was done with the results";
  EXPECT_FALSE(wait_would_help({1000ms, 2ms, 4000ms, 4})) << "the tasks finished together";
  EXPECT_FALSE(wait_would_help({3600ms, 3100ms, 100us, 4})) << "the work after is too short to matter";
  EXPECT_FALSE(wait_would_help({10s, 100ms, 100ms, 4})) << "overlapping would save little of the total";
  EXPECT_FALSE(wait_would_help({3600ms, 3100ms, 4000ms, 1})) << "one ref";
}

TEST(AdviceGetAll, TheWorkAfterAGetAllEndsAtTheSameThreadsNextCall) {
  GetAllThenProcess get_all(2001);
  EXPECT_FALSE(get_all.next_call().has_value());
  get_all.returned(400ms, 300ms, 4);
  std::thread([&] { EXPECT_FALSE(get_all.next_call().has_value()) << "another thread's call"; }).join();
  std::this_thread::sleep_for(2ms);
  std::optional<GetAllTimes> times = get_all.next_call();
  ASSERT_TRUE(times.has_value());
  EXPECT_GE(times->work_after, 2ms);
  EXPECT_EQ(times->refs, 4u);
  EXPECT_FALSE(get_all.next_call().has_value()) << "one get-all is judged once";
}

TEST(AdviceIdleStream, WorkLeftOnTheDefaultStreamWithNothingOnTheTasksIsOffStream) {
  EXPECT_TRUE(work_went_off_stream({false, true}));
  EXPECT_FALSE(work_went_off_stream({true, true})) << "the task's stream has work too";
  EXPECT_FALSE(work_went_off_stream({true, false}));
  EXPECT_FALSE(work_went_off_stream({false, false})) << "no trace left (or no CUDA to ask)";
}

TEST(AdviceIdleStream, TheFirstBodiesAreAllCheckedThenASample) {
  IdleStreams streams;
  int checked = 0;
  for (std::uint32_t i = 0; i < IdleStreams::always_checked; ++i) checked += streams.sample();
  EXPECT_EQ(checked, static_cast<int>(IdleStreams::always_checked));
  checked = 0;
  for (std::uint32_t i = 0; i < 10 * IdleStreams::sample_every; ++i) checked += streams.sample();
  EXPECT_EQ(checked, 10);
  EXPECT_FALSE(streams.checked({false, true}));
  EXPECT_FALSE(streams.checked({true, false}));
  EXPECT_TRUE(streams.checked({false, true}));
  EXPECT_FALSE(streams.checked({false, true})) << "reported once";
}

TEST(AdviceMovingBuffers, TheThresholdUseInARowMakesThePattern) {
  EXPECT_FALSE(buffer_keeps_moving({moving_buffer_threshold - 1, 4096, host_node, 0}));
  EXPECT_TRUE(buffer_keeps_moving({moving_buffer_threshold, 4096, host_node, 0}));
  EXPECT_FALSE(buffer_keeps_moving({moving_buffer_threshold + 1, 4096, 0, host_node}));
}

}  // namespace
}  // namespace hetsched::detail
