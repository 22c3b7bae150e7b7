// Resources: totals and free amounts, quantity rules, infeasible demands, concurrency limits, GPU placement and
// fairness between large and small demands. Concurrency is proved by rendezvous, and upper bounds by tasks held
// until the runtime is saturated, never by time.
#include <gtest/gtest.h>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "test_support.hpp"

namespace {

using hetsched_test::contains;
using hetsched_test::eventually;
using hetsched_test::Gate;
using hetsched_test::hang_guard;
using hetsched_test::HeldTasks;
using hetsched_test::make_config;
using hetsched_test::Rendezvous;
using namespace std::chrono_literals;
using ResourceMap = std::map<std::string, double>;

/// A task body that meets the others at `meeting` and returns its first GPU (-1 when it missed the meeting).
auto meet_and_report_gpu(Rendezvous& meeting) {
  return [&meeting](hetsched::TaskContext& ctx) {
    bool met = meeting.arrive_and_wait();
    return met && !ctx.gpu_ids().empty() ? ctx.gpu_ids()[0] : -1;
  };
}

/// Expects `submit` to throw ResourceError whose message contains `name`.
template <class Submit>
void expect_resource_error_naming(const std::string& name, Submit&& submit) {
  try {
    submit();
    ADD_FAILURE() << "expected a ResourceError naming " << name;
  } catch (const hetsched::ResourceError& error) {
    EXPECT_TRUE(contains(error.what(), name)) << "the message does not name " << name << ": " << error.what();
  }
}

// --- totals and free amounts ---------------------------------------------------------------------------------

TEST(Resources, ReportTotalsByName) {
  hetsched::Runtime rt{make_config(3, 2, {{"Custom", 2}})};
  EXPECT_EQ(rt.total_resources(), (ResourceMap{{"CPU", 3}, {"GPU", 2}, {"Custom", 2}}));
  EXPECT_EQ(rt.available_resources(), rt.total_resources());
}

TEST(Resources, ReportWhatARunningTaskHolds) {
  Gate started;
  Gate release;
  hetsched::Runtime rt{make_config(4, 2, {{"Custom", 2}})};
  auto ref = rt.task([&] {
                 started.open();
                 return release.wait();
               })
                 .cpus(2)
                 .gpus(0.5)
                 .resource("Custom", 1)
                 .remote();
  ASSERT_TRUE(started.wait());
  EXPECT_EQ(rt.available_resources(), (ResourceMap{{"CPU", 2}, {"GPU", 1.5}, {"Custom", 1}}));
  EXPECT_EQ(rt.total_resources(), (ResourceMap{{"CPU", 4}, {"GPU", 2}, {"Custom", 2}}));
  release.open();
  EXPECT_TRUE(rt.get(ref));
  EXPECT_TRUE(eventually([&] { return rt.available_resources() == rt.total_resources(); }));
}

TEST(Resources, ReturnToTheTotalsAfterAllTasksFinish) {
  hetsched::Runtime rt{make_config(4, 2, {{"Custom", 3}})};
  std::vector<hetsched::ObjectRef<int>> refs;
  for (int i = 0; i < 60; ++i) {
    auto body = [](int x) { return x; };
    switch (i % 4) {
      case 0: refs.push_back(rt.task(body).remote(i)); break;
      case 1: refs.push_back(rt.task(body).cpus(2).gpus(0.25).remote(i)); break;
      case 2: refs.push_back(rt.task(body).cpus(0.5).gpus(1).resource("Custom", 1).remote(i)); break;
      default: refs.push_back(rt.task(body).cpus(0).gpus(2).resource("Custom", 0.3333).remote(i)); break;
    }
  }
  std::vector<int> values = rt.get(refs);
  for (int i = 0; i < 60; ++i) EXPECT_EQ(values[static_cast<std::size_t>(i)], i);
  EXPECT_TRUE(eventually([&] { return rt.available_resources() == rt.total_resources(); }))
      << "CPU free " << rt.available_resources()["CPU"] << ", GPU free " << rt.available_resources()["GPU"];
}

// --- quantities ------------------------------------------------------------------------------------------------

TEST(Resources, FitThreeThirdsOfAGpuOnOneGpu) {
  Rendezvous meeting(3);
  hetsched::Runtime rt{make_config(3, 1)};
  std::vector<hetsched::ObjectRef<int>> refs;
  for (int i = 0; i < 3; ++i) refs.push_back(rt.task(meet_and_report_gpu(meeting)).gpus(0.3333).remote());
  EXPECT_EQ(rt.get(refs), (std::vector<int>{0, 0, 0})) << "three gpus(0.3333) tasks did not run at once";
}

TEST(Resources, DoNotFitThreeSlightlyLargerSharesOnOneGpu) {
  HeldTasks held;
  hetsched::Runtime rt{make_config(6, 1)};
  std::vector<hetsched::ObjectRef<bool>> refs;
  for (int i = 0; i < 6; ++i) refs.push_back(rt.task(held.body()).gpus(0.3334).remote());
  // Two shares run and stay; four wait with CPUs to spare, so a third share that fitted would have been started.
  ASSERT_TRUE(held.wait_until_inside(2)) << "two gpus(0.3334) tasks never ran at once";
  EXPECT_EQ(rt.available_resources(), (ResourceMap{{"CPU", 4}, {"GPU", 0.3332}}))
      << "exactly two tasks were started: 0.3334 x 3 exceeds one GPU";
  EXPECT_EQ(held.max_inside(), 2);
  held.release();
  for (bool released : rt.get(refs)) EXPECT_TRUE(released);
  EXPECT_EQ(held.max_inside(), 2);
}

TEST(Resources, RejectQuantitiesFinerThanOneTenThousandth) {
  hetsched::Runtime rt{make_config(2, 1, {{"Custom", 1}})};
  auto body = [] { return 0; };
  for (double q : {1e-5, 0.00015, 0.12345}) {
    SCOPED_TRACE(q);
    EXPECT_THROW(rt.task(body).cpus(q).remote(), hetsched::ResourceError);
    EXPECT_THROW(rt.task(body).gpus(q).remote(), hetsched::ResourceError);
    EXPECT_THROW(rt.task(body).resource("Custom", q).remote(), hetsched::ResourceError);
  }
}

TEST(Resources, AcceptTheFinestQuantityAndZero) {
  hetsched::Runtime rt{make_config(2, 1, {{"Custom", 1}})};
  auto body = [] { return 1; };
  EXPECT_EQ(rt.get(rt.task(body).cpus(0.0001).remote()), 1);
  EXPECT_EQ(rt.get(rt.task(body).gpus(0.0001).remote()), 1);
  EXPECT_EQ(rt.get(rt.task(body).resource("Custom", 0.0001).remote()), 1);
  EXPECT_EQ(rt.get(rt.task(body).cpus(0).remote()), 1);
}

TEST(Resources, RejectNegativeNanAndInfiniteQuantities) {
  hetsched::Runtime rt{make_config(2, 1, {{"Custom", 1}})};
  auto body = [] { return 0; };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (double q : {-1.0, -0.5, -0.0001, nan, inf, -inf}) {
    SCOPED_TRACE(q);
    EXPECT_THROW(rt.task(body).cpus(q).remote(), hetsched::ResourceError);
    EXPECT_THROW(rt.task(body).gpus(q).remote(), hetsched::ResourceError);
    EXPECT_THROW(rt.task(body).resource("Custom", q).remote(), hetsched::ResourceError);
  }
}

TEST(Resources, RejectQuantitiesAboveOneThatAreNotWhole) {
  hetsched::Runtime rt{make_config(4, 4, {{"Custom", 4}})};
  auto body = [] { return 0; };
  for (double q : {1.5, 2.5, 1.0001}) {
    SCOPED_TRACE(q);
    EXPECT_THROW(rt.task(body).cpus(q).remote(), hetsched::ResourceError);
    EXPECT_THROW(rt.task(body).gpus(q).remote(), hetsched::ResourceError);
    EXPECT_THROW(rt.task(body).resource("Custom", q).remote(), hetsched::ResourceError);
  }
}

TEST(Resources, AcceptWholeQuantitiesAboveOne) {
  hetsched::Runtime rt{make_config(2, 2, {{"Custom", 2}})};
  auto ids = rt.task([](hetsched::TaskContext& ctx) {
                 return std::vector<int>(ctx.gpu_ids().begin(), ctx.gpu_ids().end());
               })
                 .cpus(2)
                 .gpus(2)
                 .resource("Custom", 2)
                 .remote();
  std::vector<int> gpus = rt.get(ids);
  EXPECT_EQ(std::set<int>(gpus.begin(), gpus.end()), (std::set<int>{0, 1}));
}

// --- infeasible demands -----------------------------------------------------------------------------------------

TEST(Resources, RejectMoreGpusThanExistNamingGpu) {
  hetsched::Runtime rt{make_config(2, 2)};
  expect_resource_error_naming("GPU", [&] { rt.task([] { return 0; }).gpus(3).remote(); });
}

TEST(Resources, RejectAnyGpuDemandWithoutGpusNamingGpu) {
  hetsched::Runtime rt{make_config(2, 0)};
  expect_resource_error_naming("GPU", [&] { rt.task([] { return 0; }).gpus(0.5).remote(); });
}

TEST(Resources, RejectMoreCpusThanExistNamingCpu) {
  hetsched::Runtime rt{make_config(2)};
  expect_resource_error_naming("CPU", [&] { rt.task([] { return 0; }).cpus(3).remote(); });
}

TEST(Resources, RejectAnUnknownCustomResourceNamingIt) {
  hetsched::Runtime rt{make_config(2, 0, {{"Custom", 2}})};
  expect_resource_error_naming("Unicorn", [&] { rt.task([] { return 0; }).resource("Unicorn", 1).remote(); });
}

TEST(Resources, RejectMoreOfACustomResourceThanExistsNamingIt) {
  hetsched::Runtime rt{make_config(2, 0, {{"Custom", 2}})};
  expect_resource_error_naming("Custom", [&] { rt.task([] { return 0; }).resource("Custom", 3).remote(); });
}

TEST(Resources, LeaveNothingBehindWhenASubmissionIsRejected) {
  hetsched::Runtime rt{make_config(2, 1)};
  const std::size_t objects = rt.store_stats().objects;
  auto arg = rt.put(5);
  EXPECT_THROW(rt.task([](const int& x) { return x; }).gpus(2).remote(arg), hetsched::ResourceError);
  arg.reset();
  EXPECT_EQ(rt.store_stats().objects, objects);
  EXPECT_EQ(rt.available_resources(), rt.total_resources());
  EXPECT_EQ(rt.get(rt.task([] { return 2; }).gpus(1).remote()), 2);  // still works afterwards
}

// --- CPU concurrency -------------------------------------------------------------------------------------------

TEST(Resources, RunAtMostNumCpusOneCpuTasksAtOnce) {
  HeldTasks held;
  hetsched::Runtime rt{make_config(2)};
  std::vector<hetsched::ObjectRef<bool>> refs;
  for (int i = 0; i < 6; ++i) refs.push_back(rt.task(held.body()).remote());
  ASSERT_TRUE(held.wait_until_inside(2)) << "two 1-CPU tasks never ran at once with num_cpus=2";
  EXPECT_EQ(rt.available_resources()["CPU"], 0.0);
  EXPECT_EQ(held.max_inside(), 2) << "a third task started while both CPUs were held";
  held.release();
  for (bool released : rt.get(refs)) EXPECT_TRUE(released);
  EXPECT_EQ(held.max_inside(), 2);
}

TEST(Resources, RunFourBlockingTasksAtOnceWithFourCpusOnAnyMachine) {
  Rendezvous meeting(4);
  hetsched::Runtime rt{make_config(4)};
  std::vector<hetsched::ObjectRef<bool>> refs;
  for (int i = 0; i < 4; ++i) refs.push_back(rt.task([&meeting] { return meeting.arrive_and_wait(); }).remote());
  EXPECT_EQ(rt.get(refs), (std::vector<bool>{true, true, true, true}))
      << "num_cpus=4 must run 4 tasks at once even with fewer cores";
}

TEST(Resources, GiveEachTaskAnArenaOfItsCpuShare) {
  hetsched::Runtime rt{make_config(4)};
  auto concurrency = [] { return tbb::this_task_arena::max_concurrency(); };
  EXPECT_EQ(rt.get(rt.task(concurrency).remote()), 1);
  EXPECT_EQ(rt.get(rt.task(concurrency).cpus(1).remote()), 1);
  EXPECT_EQ(rt.get(rt.task(concurrency).cpus(2).remote()), 2);
  EXPECT_EQ(rt.get(rt.task(concurrency).cpus(4).remote()), 4);
  EXPECT_EQ(rt.get(rt.task(concurrency).cpus(0.5).remote()), 1);
  EXPECT_EQ(rt.get(rt.task(concurrency).cpus(0).remote()), 1);
}

TEST(Resources, GiveConcurrentTasksArenasOfTheirOwnShares) {
  Rendezvous meeting(2);
  hetsched::Runtime rt{make_config(3)};
  auto report = [&meeting] {
    bool met = meeting.arrive_and_wait();
    return met ? tbb::this_task_arena::max_concurrency() : -1;
  };
  auto wide = rt.task(report).cpus(2).remote();
  auto narrow = rt.task(report).cpus(1).remote();
  EXPECT_EQ(rt.get(wide), 2);
  EXPECT_EQ(rt.get(narrow), 1);
}

TEST(Resources, KeepAParallelForInsideATaskWithinItsShare) {
  hetsched::Runtime rt{make_config(4)};
  // Every iteration runs in the task's arena of 2 slots, which bounds the threads however the work is stolen.
  auto outside_share = rt.task([] {
                           std::atomic<int> outside{0};
                           tbb::parallel_for(0, 200, [&outside](int) {
                             int slot = tbb::this_task_arena::current_thread_index();
                             if (tbb::this_task_arena::max_concurrency() != 2 || slot < 0 || slot >= 2) ++outside;
                           });
                           return outside.load();
                         })
                           .cpus(2)
                           .remote();
  EXPECT_EQ(rt.get(outside_share), 0) << "iterations ran outside an arena of the task's 2 CPUs";
}

TEST(Resources, NeverRunATaskBeforeItsCpusAreFreeEvenWhenSomeoneGetsIt) {
  // One of two CPUs is held by a blocked task, so a 2-CPU task must wait for it even though the main thread is
  // blocked in get on the 2-CPU task (get may run a task on the waiting thread, but not beyond the free resources).
  Gate blocker_started;
  Gate release;
  hetsched::Runtime rt{make_config(2)};
  auto blocker = rt.task([&] {
                     blocker_started.open();
                     return release.wait();
                   }).remote();
  ASSERT_TRUE(blocker_started.wait());
  auto wide = rt.task([&release] { return release.is_open(); }).cpus(2).remote();
  std::thread opener([&release] {
    std::this_thread::sleep_for(200ms);  // only gives the main thread time to block in get; no result depends on it
    release.open();
  });
  EXPECT_TRUE(rt.get(wide)) << "the 2-CPU task ran while only one CPU was free";
  opener.join();
  EXPECT_TRUE(rt.get(blocker));
}

// --- GPU placement ---------------------------------------------------------------------------------------------

TEST(Resources, PackFractionalGpuDemandsOntoOneDeviceFirst) {
  Rendezvous meeting(2);
  hetsched::Runtime rt{make_config(4, 2)};
  auto a = rt.task(meet_and_report_gpu(meeting)).gpus(0.5).remote();
  auto b = rt.task(meet_and_report_gpu(meeting)).gpus(0.5).remote();
  int gpu_a = rt.get(a);
  int gpu_b = rt.get(b);
  ASSERT_GE(gpu_a, 0) << "the two gpus(0.5) tasks did not run at once";
  EXPECT_EQ(gpu_a, gpu_b) << "best fit puts the second half on the device the first half already uses";
}

TEST(Resources, UseTheOtherDeviceForAWholeGpuWhileOneIsShared) {
  Rendezvous meeting(3);
  hetsched::Runtime rt{make_config(4, 2)};
  auto half_a = rt.task(meet_and_report_gpu(meeting)).gpus(0.5).remote();
  auto half_b = rt.task(meet_and_report_gpu(meeting)).gpus(0.5).remote();
  auto whole = rt.task(meet_and_report_gpu(meeting)).gpus(1).remote();
  int a = rt.get(half_a);
  int b = rt.get(half_b);
  int w = rt.get(whole);
  ASSERT_TRUE(a >= 0 && b >= 0 && w >= 0) << "the three tasks did not run at once";
  EXPECT_EQ(a, b);
  EXPECT_NE(a, w);
}

TEST(Resources, GiveWholeGpuDemandsDistinctDevices) {
  Rendezvous meeting(2);
  hetsched::Runtime rt{make_config(4, 2)};
  auto a = rt.task(meet_and_report_gpu(meeting)).gpus(1).remote();
  auto b = rt.task(meet_and_report_gpu(meeting)).gpus(1).remote();
  int gpu_a = rt.get(a);
  int gpu_b = rt.get(b);
  ASSERT_TRUE(gpu_a >= 0 && gpu_b >= 0) << "the two gpus(1) tasks did not run at once";
  EXPECT_NE(gpu_a, gpu_b);
  EXPECT_EQ(std::set<int>({gpu_a, gpu_b}), (std::set<int>{0, 1}));
}

TEST(Resources, ReportOneDeviceForAFractionalDemand) {
  hetsched::Runtime rt{make_config(2, 2)};
  auto count = rt.task([](hetsched::TaskContext& ctx) { return ctx.gpu_ids().size(); }).gpus(0.25).remote();
  EXPECT_EQ(rt.get(count), 1u);
}

// --- fairness between large and small demands ----------------------------------------------------------------

/// A 1-CPU task that, while it still holds its CPU, submits its own successor until told to stop: a stream of small
/// tasks whose queue never runs dry, however slowly the test thread runs.
struct SmallTaskStream {
  const std::atomic<bool>* stop;
  std::chrono::steady_clock::time_point deadline;
  void operator()(hetsched::TaskContext& ctx) const {
    std::this_thread::sleep_for(1ms);
    if (!stop->load() && std::chrono::steady_clock::now() < deadline) ctx.runtime().task(*this).remote();
  }
};

TEST(Resources, DoNotStarveALargeDemandBehindAStreamOfSmallOnes) {
  std::atomic<bool> stop{false};
  hetsched::Config config = make_config(2);
  config.max_bypass = 4;
  hetsched::Runtime rt{config};
  SmallTaskStream stream{&stop, std::chrono::steady_clock::now() + hang_guard};
  for (int i = 0; i < 4; ++i) rt.task(stream).remote();  // two run, two queue; each keeps replacing itself
  // A greedy scheduler would always find a small task to start on the CPU that just came free, and never free both
  // CPUs at once for the large task; max_bypass bounds how often it may be overtaken.
  auto big = rt.task([] {}).cpus(2).remote();
  bool big_ran = eventually([&] { return big.is_ready(); });
  stop = true;
  EXPECT_TRUE(big_ran) << "the cpus(2) task starved behind a stream of cpus(1) tasks";
}

// Found by tests/stress. A task holding half a GPU blocks in get on a child that needs a quarter (it fits). A gpus(1)
// task queued before the child, overtaken max_bypass times, reserves the queue: nothing behind it starts until it
// fits, and it never fits while the blocked parent holds its half. Blocking in get lends only the parent's CPUs, so the
// reservation must not hold back the child the parent waits for.
TEST(Resources, AReservedLargeDemandDoesNotDeadlockATaskBlockedOnItsChild) {
  hetsched::Config config = make_config(2, 1);
  config.max_bypass = 2;
  hetsched::Runtime rt{config};
  Gate started;
  Gate go;
  auto parent = rt.task([&](hetsched::TaskContext& ctx) {
                    started.open();
                    if (!go.wait()) return -1;
                    auto child = ctx.runtime().task([] { return 1; }).gpus(0.25).remote();
                    try {
                      return ctx.runtime().get(child, hang_guard);
                    } catch (const hetsched::GetTimeoutError&) {
                      return -2;  // the child never started
                    }
                  })
                    .gpus(0.5)
                    .remote();
  ASSERT_TRUE(started.wait());
  auto big = rt.task([] { return 2; }).gpus(1).remote();  // queued: the parent holds half of the GPU
  for (int i = 0; i < 2; ++i) {  // each overtakes `big`; after the second, `big` is reserved
    EXPECT_EQ(rt.get(rt.task([i] { return i; }).remote(), hang_guard), i);
  }
  go.open();
  EXPECT_EQ(rt.get(parent, 2 * hang_guard), 1) << "the child of a blocked task waited behind the reserved gpus(1) task";
  EXPECT_EQ(rt.get(big, hang_guard), 2);
}

TEST(Resources, LetSmallTasksPassALargeDemandThatCannotStartYet) {
  Gate holder_started;
  Gate small_ran;
  std::atomic<bool> big_started{false};
  hetsched::Runtime rt{make_config(2)};
  // Holds one CPU until the small task has run, so the large task cannot start before the small one.
  auto holder = rt.task([&] {
                    holder_started.open();
                    return small_ran.wait();
                  }).remote();
  ASSERT_TRUE(holder_started.wait());
  auto big = rt.task([&big_started] { big_started = true; }).cpus(2).remote();
  auto small = rt.task([&] {
                   bool big_was_running = big_started.load();
                   small_ran.open();
                   return !big_was_running;
                 }).remote();
  EXPECT_TRUE(rt.get(holder, 2 * hang_guard)) << "the 1-CPU task waited behind the 2-CPU task";
  EXPECT_TRUE(rt.get(small, 2 * hang_guard));
  rt.get(big, 2 * hang_guard);
  EXPECT_TRUE(big_started.load());
}

}  // namespace
