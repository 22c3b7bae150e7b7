// Errors: what a failing task turns into, how failures travel down a graph, and the exception hierarchy.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "test_support.hpp"

namespace {

using hetsched_test::contains;
using hetsched_test::make_config;

/// Runs `action` and returns the TaskError it throws (fails the test when it throws anything else or nothing).
template <class Action>
hetsched::TaskError expect_task_error(Action&& action) {
  try {
    action();
  } catch (const hetsched::TaskError& error) {
    return error;
  } catch (const std::exception& other) {
    ADD_FAILURE() << "expected hetsched::TaskError, got: " << other.what();
  } catch (...) {
    ADD_FAILURE() << "expected hetsched::TaskError, got a non-std exception";
  }
  return hetsched::TaskError("(none)", "(none)", nullptr);
}

TEST(Errors, AllDeriveFromHetschedError) {
  static_assert(std::is_base_of_v<std::runtime_error, hetsched::Error>);
  static_assert(std::is_base_of_v<hetsched::Error, hetsched::TaskError>);
  static_assert(std::is_base_of_v<hetsched::Error, hetsched::ResourceError>);
  static_assert(std::is_base_of_v<hetsched::Error, hetsched::GetTimeoutError>);
  static_assert(std::is_base_of_v<hetsched::Error, hetsched::ActorDiedError>);
  static_assert(std::is_base_of_v<hetsched::Error, hetsched::ObjectStoreFullError>);
  static_assert(std::is_base_of_v<hetsched::Error, hetsched::TaskCancelledError>);
  static_assert(std::is_base_of_v<hetsched::Error, hetsched::UsageError>);
  hetsched::Runtime rt{make_config(1)};
  auto ref = rt.task([]() -> int { throw std::runtime_error("boom"); }).remote();
  EXPECT_THROW(rt.get(ref), hetsched::Error);
  EXPECT_THROW(rt.get(ref), std::runtime_error);
}

TEST(Errors, ATaskThrowingAStdExceptionBecomesTaskErrorWithNameAndMessage) {
  hetsched::Runtime rt{make_config(1)};
  auto ref = rt.task([]() -> int { throw std::runtime_error("boom"); }).name("explode").remote();
  hetsched::TaskError error = expect_task_error([&] { rt.get(ref); });
  EXPECT_EQ(error.task_name(), "explode");
  EXPECT_EQ(error.message(), "boom");
  EXPECT_TRUE(contains(error.what(), "boom")) << error.what();
  EXPECT_TRUE(contains(error.what(), "explode")) << error.what();
  ASSERT_TRUE(error.cause());
  try {
    std::rethrow_exception(error.cause());
  } catch (const std::runtime_error& original) {
    EXPECT_STREQ(original.what(), "boom");
  } catch (...) {
    ADD_FAILURE() << "cause() is not the original std::runtime_error";
  }
}

TEST(Errors, ATaskThrowingANonStdTypeBecomesTaskError) {
  hetsched::Runtime rt{make_config(1)};
  auto ref = rt.task([]() -> int { throw 42; }).name("throws_int").remote();
  hetsched::TaskError error = expect_task_error([&] { rt.get(ref); });
  EXPECT_EQ(error.task_name(), "throws_int");
  EXPECT_FALSE(error.message().empty());
  ASSERT_TRUE(error.cause());
  try {
    std::rethrow_exception(error.cause());
  } catch (int value) {
    EXPECT_EQ(value, 42);
  } catch (...) {
    ADD_FAILURE() << "cause() is not the original int";
  }
}

TEST(Errors, EveryGetOfAFailedRefRethrows) {
  hetsched::Runtime rt{make_config(1)};
  auto ref = rt.task([]() -> int { throw std::runtime_error("again"); }).remote();
  EXPECT_THROW(rt.get(ref), hetsched::TaskError);
  EXPECT_THROW(rt.get(ref), hetsched::TaskError);
  EXPECT_THROW(rt.get(std::vector<hetsched::ObjectRef<int>>{rt.put(1), ref}), hetsched::TaskError);
  EXPECT_THROW(rt.get(std::move(ref)), hetsched::TaskError);
}

TEST(Errors, DependentsOfAFailedTaskRethrowTheRootCauseWithoutRunning) {
  hetsched::Runtime rt{make_config(2)};
  std::atomic<int> dependents_run{0};
  auto root = rt.task([]() -> int { throw std::runtime_error("root failed"); }).name("root").remote();
  auto child = rt.task([&](const int& x) {
                   ++dependents_run;
                   return x + 1;
                 }).name("child").remote(root);
  auto grandchild = rt.task([&](const int& x, int y) {
                        ++dependents_run;
                        return x + y;
                      }).name("grandchild").remote(child, 1);
  for (auto* ref : {&child, &grandchild}) {
    hetsched::TaskError error = expect_task_error([&] { rt.get(*ref); });
    EXPECT_EQ(error.task_name(), "root");
    EXPECT_EQ(error.message(), "root failed");
  }
  EXPECT_EQ(dependents_run.load(), 0);
}

TEST(Errors, ATaskThatGetsAFailedRefPropagatesTheRootCause) {
  hetsched::Runtime rt{make_config(1)};
  auto outer = rt.task([](hetsched::TaskContext& ctx) {
                   auto inner = ctx.runtime().task([]() -> int { throw std::runtime_error("deep"); }).name("inner").remote();
                   return ctx.runtime().get(inner);
                 }).name("outer").remote();
  hetsched::TaskError error = expect_task_error([&] { rt.get(outer); });
  EXPECT_EQ(error.task_name(), "inner");
  EXPECT_EQ(error.message(), "deep");
}

TEST(Errors, AFailureLeavesTheRuntimeUsable) {
  hetsched::Runtime rt{make_config(1)};
  for (int i = 0; i < 20; ++i) {
    auto bad = rt.task([]() -> int { throw std::logic_error("bad"); }).remote();
    EXPECT_THROW(rt.get(bad), hetsched::TaskError);
  }
  EXPECT_EQ(rt.get(rt.task([] { return 1; }).remote()), 1);
  EXPECT_TRUE(hetsched_test::eventually([&] { return rt.available_resources() == rt.total_resources(); }));
}

TEST(Errors, AFailingVoidTaskRethrowsOnGet) {
  hetsched::Runtime rt{make_config(1)};
  auto ref = rt.task([] { throw std::runtime_error("void failed"); }).name("void_task").remote();
  hetsched::TaskError error = expect_task_error([&] { rt.get(ref); });
  EXPECT_EQ(error.task_name(), "void_task");
  EXPECT_EQ(error.message(), "void failed");
}

}  // namespace
