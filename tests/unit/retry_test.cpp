// max_retries / retry_exceptions: Ray's rule (system failures are retried; exceptions the body throws only with
// retry_exceptions), the arguments a second run gets, and what is never retried.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

using hetsched_test::make_config;

/// Fails with `error` the first `failures` times it is called, then returns the attempt number.
struct FailsFirst {
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  int failures;
  bool device_error;
  int operator()() const {
    const int attempt = ++*calls;
    if (attempt <= failures) {
      if (device_error) throw hetsched::DeviceError("simulated device loss");
      throw std::runtime_error("application failure");
    }
    return attempt;
  }
};

TEST(Retry, DeviceErrorIsRetriedUntilItSucceeds) {
  hetsched::Runtime rt{make_config(2)};
  FailsFirst body{.failures = 2, .device_error = true};
  auto ref = rt.task(body).max_retries(2).remote();
  EXPECT_EQ(rt.get(ref), 3);
  EXPECT_EQ(body.calls->load(), 3);
}

TEST(Retry, RetriesRunOutAndTheLastFailureStays) {
  hetsched::Runtime rt{make_config(2)};
  FailsFirst body{.failures = 5, .device_error = true};
  auto ref = rt.task(body).name("flaky").max_retries(1).remote();
  try {
    rt.get(ref);
    FAIL() << "expected the task to fail";
  } catch (const hetsched::TaskError& e) {
    EXPECT_EQ(e.task_name(), "flaky");
    EXPECT_THROW(std::rethrow_exception(e.cause()), hetsched::DeviceError);
  }
  EXPECT_EQ(body.calls->load(), 2);
}

TEST(Retry, ApplicationExceptionsAreNotRetriedByDefault) {
  hetsched::Runtime rt{make_config(2)};
  FailsFirst body{.failures = 1, .device_error = false};
  auto ref = rt.task(body).max_retries(3).remote();
  EXPECT_THROW(rt.get(ref), hetsched::TaskError);
  EXPECT_EQ(body.calls->load(), 1);
}

TEST(Retry, RetryExceptionsCoversTheBodysOwnExceptions) {
  hetsched::Runtime rt{make_config(2)};
  FailsFirst body{.failures = 2, .device_error = false};
  auto ref = rt.task(body).max_retries(3).retry_exceptions(true).remote();
  EXPECT_EQ(rt.get(ref), 3);
}

TEST(Retry, WithoutMaxRetriesNothingIsRetried) {
  hetsched::Runtime rt{make_config(2)};
  FailsFirst body{.failures = 1, .device_error = true};
  auto ref = rt.task(body).retry_exceptions(true).remote();
  EXPECT_THROW(rt.get(ref), hetsched::TaskError);
  EXPECT_EQ(body.calls->load(), 1);
}

TEST(Retry, ASecondRunGetsTheArgumentsIntact) {
  hetsched::Runtime rt{make_config(2)};
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto ref = rt.task([calls](std::string text, std::vector<int> values) {
                 std::string taken = std::move(text);  // the body consumes its arguments
                 std::vector<int> kept = std::move(values);
                 if (++*calls == 1) throw hetsched::DeviceError("lost the device");
                 return taken + ":" + std::to_string(kept.size());
               })
                 .max_retries(1)
                 .remote(std::string(100, 'x'), std::vector<int>(7, 1));
  EXPECT_EQ(rt.get(ref), std::string(100, 'x') + ":7");
}

TEST(Retry, DependentsSeeTheSuccessfulRun) {
  hetsched::Runtime rt{make_config(2)};
  FailsFirst body{.failures = 1, .device_error = true};
  auto first = rt.task(body).max_retries(1).remote();
  auto second = rt.task([](int attempt) { return attempt * 10; }).remote(first);
  EXPECT_EQ(rt.get(second), 20);
}

TEST(Retry, AFailedInputIsNeverRetried) {
  hetsched::Runtime rt{make_config(2)};
  auto failing = rt.task([]() -> int { throw std::runtime_error("upstream"); }).remote();
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto dependent = rt.task([calls](int x) {
                       ++*calls;
                       return x;
                     })
                       .max_retries(5)
                       .retry_exceptions(true)
                       .remote(failing);
  EXPECT_THROW(rt.get(dependent), hetsched::TaskError);
  EXPECT_EQ(calls->load(), 0);
}

TEST(Retry, ObjectStoreFullIsASystemFailure) {
  hetsched::Runtime rt{make_config(2)};
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto ref = rt.task([calls] {
                 if (++*calls == 1) throw hetsched::ObjectStoreFullError("no room this time");
                 return 1;
               })
                 .max_retries(1)
                 .remote();
  EXPECT_EQ(rt.get(ref), 1);
  EXPECT_EQ(calls->load(), 2);
}

TEST(Retry, AReadWriteBufferIsNotRetriedOnceTheBodyRan) {
  hetsched::Runtime rt{make_config(2)};
  auto buffer = rt.put_buffer(std::vector<int>{1, 2, 3});
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto ref = rt.task([calls](std::span<int> values) {
                 ++*calls;
                 values[0] += 100;  // changed in place: a second run would add again
                 throw hetsched::DeviceError("lost the device midway");
               })
                 .max_retries(3)
                 .remote(hetsched::read_write(buffer));
  EXPECT_THROW(rt.get(ref), hetsched::TaskError);
  EXPECT_EQ(calls->load(), 1);
}

TEST(Retry, AReadBufferIsRetried) {
  hetsched::Runtime rt{make_config(2)};
  auto buffer = rt.put_buffer(std::vector<int>{1, 2, 3});
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto ref = rt.task([calls](std::span<const int> values) {
                 if (++*calls == 1) throw hetsched::DeviceError("lost the device");
                 return values[0] + values[1] + values[2];
               })
                 .max_retries(1)
                 .remote(hetsched::read(buffer));
  EXPECT_EQ(rt.get(ref), 6);
}

TEST(Retry, ALogicalGpuTaskIsPlacedAgain) {
  hetsched::Runtime rt{make_config(2, 2)};
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto ref = rt.task([calls](hetsched::TaskContext& ctx) {
                 if (++*calls == 1) throw hetsched::DeviceError("GPU fell off the bus");
                 return static_cast<int>(ctx.gpu_ids().size());
               })
                 .gpus(1)
                 .max_retries(1)
                 .remote();
  EXPECT_EQ(rt.get(ref), 1);
  EXPECT_TRUE(hetsched_test::eventually([&] { return rt.available_resources() == rt.total_resources(); }));
}

TEST(Retry, ANegativeCountIsAUsageError) {
  hetsched::Runtime rt{make_config(1)};
  EXPECT_THROW(rt.task([] { return 1; }).max_retries(-1), hetsched::UsageError);
}

TEST(Retry, AMoveOnlyArgumentIsAUsageError) {
  hetsched::Runtime rt{make_config(1)};
  auto builder = rt.task([](std::unique_ptr<int> p) { return *p; }).max_retries(1);
  EXPECT_THROW(builder.remote(std::make_unique<int>(3)), hetsched::UsageError);
  // Without retries the same task is fine.
  EXPECT_EQ(rt.get(rt.task([](std::unique_ptr<int> p) { return *p; }).remote(std::make_unique<int>(3))), 3);
}

// Many flaky tasks in a graph, failing at random on several threads: every ref resolves, each to the outcome its
// failures and retries imply, and every resource comes back.
TEST(Retry, ManyFlakyTasksResolveAsTheirRetriesImply) {
  hetsched::Runtime rt{make_config(4, 2, {{"Custom", 2}})};
  std::mt19937 random(7);
  struct Expected {
    hetsched::ObjectRef<int> ref;
    bool succeeds;
  };
  std::vector<Expected> tasks;
  for (int i = 0; i < 400; ++i) {
    const int failures = static_cast<int>(random() % 4);
    const int retries = static_cast<int>(random() % 4);
    FailsFirst body{.failures = failures, .device_error = random() % 2 == 0};
    auto builder = rt.task([body](int x) { return body() + x; }).max_retries(retries);
    const bool exceptions_too = random() % 2 == 0;
    builder.retry_exceptions(exceptions_too);
    if (i % 3 == 1) builder.gpus(0.5);
    if (i % 5 == 2) builder.resource("Custom", 1);
    const bool chained = i > 0 && random() % 2 == 0;
    const std::size_t earlier = chained ? random() % tasks.size() : 0;
    hetsched::ObjectRef<int> input = chained ? tasks[earlier].ref : rt.put(0);
    const bool input_ok = !chained || tasks[earlier].succeeds;
    const bool retried = body.device_error || exceptions_too;
    const bool succeeds = input_ok && (failures == 0 || (retried && failures <= retries));
    tasks.push_back({builder.remote(input), succeeds});
  }
  for (Expected& task : tasks) {
    if (task.succeeds) {
      EXPECT_NO_THROW(rt.get(task.ref));
    } else {
      EXPECT_THROW(rt.get(task.ref), hetsched::TaskError);
    }
  }
  EXPECT_TRUE(hetsched_test::eventually([&] { return rt.available_resources() == rt.total_resources(); }));
}

}  // namespace
