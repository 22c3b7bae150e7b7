// The task path under misuse: deep nesting of blocking gets, refs of one Runtime used with another, zero-CPU work
// that must not take the threads CPU tasks need, self-deadlocks, and buffers after a failed writer. Each of these
// crashed, hung, corrupted a ledger or poisoned a buffer before it was fixed.
#include <gtest/gtest.h>

#include <memory>
#include <numeric>
#include <optional>
#include <vector>

#include "test_support.hpp"

namespace {

using hetsched_test::contains;
using hetsched_test::Gate;
using hetsched_test::hang_guard;
using hetsched_test::make_config;

int fibonacci(hetsched::TaskContext& ctx, int n) {
  if (n < 2) return n;
  auto& rt = ctx.runtime();
  auto a = rt.task(fibonacci).remote(n - 1);
  auto b = rt.task(fibonacci).remote(n - 2);
  return rt.get(a) + rt.get(b);
}

int fibonacci_serial(int n) { return n < 2 ? n : fibonacci_serial(n - 1) + fibonacci_serial(n - 2); }

class NestedGet : public ::testing::TestWithParam<int> {};

TEST_P(NestedGet, ARecursiveFibonacciThroughNestedGetsFinishesWithoutOverflowingTheStack) {
  hetsched::Runtime rt{make_config(GetParam())};
  EXPECT_EQ(rt.get(rt.task(fibonacci).remote(20), hang_guard * 4), fibonacci_serial(20));
  EXPECT_EQ(rt.available_resources().at("CPU"), GetParam());
}

TEST_P(NestedGet, FiveThousandTasksThatEachGetANestedTaskAllFinish) {
  hetsched::Runtime rt{make_config(GetParam())};
  std::vector<hetsched::ObjectRef<int>> refs;
  for (int i = 0; i < 5000; ++i) {
    refs.push_back(rt.task([](hetsched::TaskContext& ctx) {
                       auto& nested = ctx.runtime();
                       return nested.get(nested.task([] { return 1; }).remote());
                     }).remote());
  }
  auto values = rt.get(refs, hang_guard * 4);
  EXPECT_EQ(std::accumulate(values.begin(), values.end(), 0), 5000);
  EXPECT_EQ(rt.available_resources().at("CPU"), GetParam());
}

int depth_of(hetsched::TaskContext& ctx, int n) {
  if (n == 0) return 0;
  auto& rt = ctx.runtime();
  return rt.get(rt.task(depth_of).remote(n - 1)) + 1;
}

TEST_P(NestedGet, ALinearRecursionDeeperThanTheHelpingBoundContinuesOnFreshThreads) {
  hetsched::Runtime rt{make_config(GetParam())};
  EXPECT_EQ(rt.get(rt.task(depth_of).remote(400), hang_guard * 4), 400);
  EXPECT_EQ(rt.available_resources().at("CPU"), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Cpus, NestedGet, ::testing::Values(1, 2));

TEST(CrossRuntime, AGetOnAnotherRuntimesRefRunsItUnderItsOwnRuntimeAndLeavesBothLedgersWhole) {
  hetsched::Runtime a{make_config(1)};
  hetsched::Runtime b{make_config(1)};
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(b.get(a.task([i] { return i; }).remote()), i);
    EXPECT_EQ(a.available_resources().at("CPU"), 1.0);
    EXPECT_EQ(b.available_resources().at("CPU"), 1.0);
  }
  auto ready = b.wait(std::vector{a.task([] { return 7; }).remote()}, 1, hang_guard);
  ASSERT_EQ(ready.ready.size(), 1u);
  EXPECT_EQ(b.get(ready.ready[0]), 7);
  auto inside = b.task([&a](hetsched::TaskContext& ctx) {
                   return ctx.runtime().get(a.task([] { return 3; }).remote());
                 }).remote();
  EXPECT_EQ(b.get(inside, hang_guard), 3);
  EXPECT_EQ(a.available_resources().at("CPU"), 1.0);
  EXPECT_EQ(b.available_resources().at("CPU"), 1.0);
}

TEST(ZeroCpuWork, LongZeroCpuTasksDoNotTakeTheThreadsThatCpuTasksNeed) {
  hetsched::Runtime rt{make_config(2)};
  Gate release;
  std::vector<hetsched::ObjectRef<bool>> blockers;
  for (int i = 0; i < 4; ++i) blockers.push_back(rt.task([&release] { return release.wait(); }).cpus(0).remote());
  auto cpu_task = rt.task([] { return 5; }).remote();
  int value = 0;
  EXPECT_NO_THROW(value = rt.get(cpu_task, hang_guard)) << "a CPU was free but no thread ran the task";
  EXPECT_EQ(value, 5);
  release.open();
  for (bool opened : rt.get(blockers)) EXPECT_TRUE(opened);
}

struct Waiter {
  bool wait_for(Gate* gate) { return gate->wait(); }
};

TEST(ZeroCpuWork, LongActorMethodsDoNotTakeTheThreadsThatCpuTasksNeed) {
  hetsched::Runtime rt{make_config(2)};
  Gate release;
  std::vector<hetsched::ActorHandle<Waiter>> actors;
  std::vector<hetsched::ObjectRef<bool>> calls;
  for (int i = 0; i < 3; ++i) {
    actors.push_back(rt.actor<Waiter>().remote());
    calls.push_back(actors.back().call(&Waiter::wait_for, &release));
  }
  auto cpu_task = rt.task([] { return 5; }).remote();
  int value = 0;
  EXPECT_NO_THROW(value = rt.get(cpu_task, hang_guard)) << "a CPU was free but no thread ran the task";
  EXPECT_EQ(value, 5);
  release.open();
  for (bool opened : rt.get(calls)) EXPECT_TRUE(opened);
}

/// Runs a task that calls get on its own result (timed or not) and returns the failure message.
std::string own_result_failure(bool timed) {
  hetsched::Runtime rt{make_config(2)};
  auto self = std::make_shared<std::optional<hetsched::ObjectRef<int>>>();
  auto ready = std::make_shared<Gate>();
  *self = rt.task([self, ready, timed](hetsched::TaskContext& ctx) {
              ready->wait();
              return timed ? ctx.runtime().get(**self, std::chrono::milliseconds(500)) : ctx.runtime().get(**self);
            }).name("selfish").remote();
  ready->open();
  try {
    rt.get(**self, hang_guard);
  } catch (const hetsched::GetTimeoutError&) {
    return "the host timed out: the task hung";
  } catch (const hetsched::Error& error) {
    self->reset();
    return error.what();
  }
  return "the task succeeded";
}

TEST(SelfDeadlock, ATaskThatGetsItsOwnResultFailsWithAUsageErrorSayingSo) {
  const std::string message = own_result_failure(false);
  EXPECT_TRUE(contains(message, "its own result")) << message;
  EXPECT_TRUE(contains(message, "selfish")) << message;
}

TEST(SelfDeadlock, ATimedGetOfItsOwnResultSaysWhatWasDoneNotThatItWasLate) {
  const std::string message = own_result_failure(true);
  EXPECT_TRUE(contains(message, "its own result")) << message;
}

struct Recursive {
  int leaf() { return 1; }
  int ask_myself(hetsched::TaskContext& ctx, hetsched::ActorHandle<Recursive> self) {
    return ctx.runtime().get(self.call(&Recursive::leaf)) + 1;
  }
};

TEST(SelfDeadlock, AnActorMethodThatGetsAnotherCallOfTheSameActorFailsWithAUsageError) {
  hetsched::Runtime rt{make_config(2)};
  auto actor = rt.actor<Recursive>().remote();
  auto call = actor.call(&Recursive::ask_myself, actor);
  try {
    rt.get(call, hang_guard);
    FAIL() << "expected a failure";
  } catch (const hetsched::GetTimeoutError&) {
    FAIL() << "the call hung";
  } catch (const hetsched::Error& error) {
    EXPECT_TRUE(contains(error.what(), "same actor")) << error.what();
  }
  EXPECT_EQ(rt.get(actor.call(&Recursive::leaf), hang_guard), 1) << "the actor still serves calls";
}

TEST(SelfDeadlock, DestroyingTheRuntimeFromInsideOneOfItsTasksFailsThatTaskInsteadOfHanging) {
  hetsched::Runtime observer{make_config(1)};
  auto rt = std::make_unique<hetsched::Runtime>(make_config(2));
  Gate submitted;
  auto doomed = rt->task([&rt, &submitted](hetsched::TaskContext& ctx) {
                    submitted.wait();
                    rt.reset();
                    // The task's context still reaches a live runtime (now shutting down) after the destructor.
                    return ctx.runtime().total_resources().at("CPU");
                  }).name("suicidal").remote();
  submitted.open();
  try {
    observer.get(doomed, hang_guard);
    FAIL() << "expected the task to fail";
  } catch (const hetsched::GetTimeoutError&) {
    FAIL() << "the task or the Runtime's destruction hung";
  } catch (const hetsched::TaskError& error) {
    EXPECT_TRUE(contains(error.what(), "destroyed from inside its own task 'suicidal'")) << error.what();
  }
  EXPECT_EQ(rt, nullptr);
}

TEST(GetTimeout, TheMessageNamesTheTaskThatProducesTheObject) {
  hetsched::Runtime rt{make_config(1)};
  Gate release;
  auto slow = rt.task([&release] { return release.wait(); }).name("slowpoke").remote();
  try {
    rt.get(slow, std::chrono::milliseconds(20));
    FAIL() << "expected GetTimeoutError";
  } catch (const hetsched::GetTimeoutError& error) {
    EXPECT_TRUE(contains(error.what(), "slowpoke")) << error.what();
  }
  release.open();
  EXPECT_TRUE(rt.get(slow));
}

std::vector<int> iota_values(int n) {
  std::vector<int> values(static_cast<std::size_t>(n));
  std::iota(values.begin(), values.end(), 0);
  return values;
}

TEST(BufferAfterFailure, AFullWriteClearsTheFailureOfAnEarlierWriter) {
  hetsched::Runtime rt{make_config(1)};
  auto buffer = rt.put_buffer(iota_values(8));
  auto failed = rt.task([](std::span<int>) -> int { throw std::runtime_error("broke it halfway"); })
                    .remote(hetsched::read_write(buffer));
  auto reader = rt.task([](std::span<const int> v) { return v[0]; }).remote(hetsched::read(buffer));
  auto rewrite = rt.task([](std::span<int> v) { std::fill(v.begin(), v.end(), 9); }).remote(hetsched::write(buffer));
  auto after = rt.task([](std::span<const int> v) { return v[7]; }).remote(hetsched::read(buffer));
  EXPECT_THROW(rt.get(failed), hetsched::TaskError);
  try {
    rt.get(reader);
    FAIL() << "a reader between the failure and the next write must fail";
  } catch (const hetsched::TaskError& error) {
    EXPECT_TRUE(contains(error.what(), "broke it halfway")) << error.what();
  }
  EXPECT_NO_THROW(rt.get(rewrite));
  EXPECT_EQ(rt.get(after), 9);
  auto view = rt.get(buffer);
  EXPECT_EQ(std::vector<int>(view.begin(), view.end()), std::vector<int>(8, 9));
}

TEST(BufferAfterFailure, AWriterThatNeverStartedBecauseItsInputFailedLeavesTheDataAsItWas) {
  hetsched::Runtime rt{make_config(1)};
  auto buffer = rt.put_buffer(iota_values(8));
  auto bad_input = rt.task([]() -> int { throw std::runtime_error("no input"); }).remote();
  auto writer = rt.task([](int, std::span<int> v) { v[0] = 100; }).remote(bad_input, hetsched::read_write(buffer));
  EXPECT_THROW(rt.get(writer), hetsched::TaskError);
  auto reader = rt.task([](std::span<const int> v) { return v[0] + v[7]; }).remote(hetsched::read(buffer));
  EXPECT_EQ(rt.get(reader), 7);
  auto view = rt.get(buffer);
  EXPECT_EQ(std::vector<int>(view.begin(), view.end()), iota_values(8));
}

TEST(BufferAfterFailure, AGpuWriterThatCouldNotBePlacedLeavesTheBufferUsableOnTheHost) {
  hetsched::Config config = make_config(1, 1);
  config.logical_gpu_memory = 16;  // bytes: the buffer below can never fit
  hetsched::Runtime rt{config};
  auto buffer = rt.put_buffer(iota_values(64));
  auto gpu_writer = rt.task([](std::span<int> v) { v[0] = 100; }).gpus(1).remote(hetsched::read_write(buffer));
  EXPECT_THROW(rt.get(gpu_writer), hetsched::ObjectStoreFullError);
  auto reader = rt.task([](std::span<const int> v) { return v[0] + v[63]; }).remote(hetsched::read(buffer));
  EXPECT_EQ(rt.get(reader), 63);
  auto view = rt.get(buffer);
  EXPECT_EQ(std::vector<int>(view.begin(), view.end()), iota_values(64));
}

}  // namespace
