// Actors: ordered calls, concurrency limits, handles passed around, lifetime, failure paths, resources.
#include <gtest/gtest.h>

#include <dirent.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

using hetsched_test::contains;
using hetsched_test::eventually;
using hetsched_test::Gate;
using hetsched_test::HeldTasks;
using hetsched_test::make_config;

struct Counter {
  int value = 0;
  int increment() { return ++value; }
  int add(int amount) { return value += amount; }
  int read() const { return value; }
  int fail_after_increment() {
    ++value;
    throw std::runtime_error("counter overflow");
  }
};

/// Records the order in which calls arrive.
struct Journal {
  std::vector<std::pair<int, int>> entries;  // (caller, sequence)
  void record(int caller, int sequence) { entries.emplace_back(caller, sequence); }
  std::vector<std::pair<int, int>> read() const { return entries; }
};

TEST(Actor, CallsSeeTheStateOfEarlierCalls) {
  hetsched::Runtime rt{make_config(2)};
  auto counter = rt.actor<Counter>().remote();
  std::vector<hetsched::ObjectRef<int>> refs;
  for (int i = 0; i < 100; ++i) refs.push_back(counter.call(&Counter::increment));
  auto values = rt.get(refs);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(values[static_cast<std::size_t>(i)], i + 1);
  EXPECT_EQ(rt.get(counter.call(&Counter::read)), 100);
}

TEST(Actor, ConstructorReceivesArgumentsAndRefs) {
  struct Start {
    int value;
    Start(int a, const int& b) : value(a + b) {}
    int get() const { return value; }
  };
  hetsched::Runtime rt{make_config(2)};
  auto actor = rt.actor<Start>().remote(40, rt.put(2));
  EXPECT_EQ(rt.get(actor.call(&Start::get)), 42);
}

TEST(Actor, CallsFromEachCallerRunInSubmissionOrder) {
  hetsched::Runtime rt{make_config(2)};
  auto journal = rt.actor<Journal>().remote();
  constexpr int callers = 4, calls = 500;
  std::vector<std::thread> threads;
  for (int caller = 0; caller < callers; ++caller) {
    threads.emplace_back([&, caller] {
      for (int sequence = 0; sequence < calls; ++sequence) journal.call(&Journal::record, caller, sequence);
    });
  }
  for (auto& thread : threads) thread.join();
  auto entries = rt.get(journal.call(&Journal::read));
  ASSERT_EQ(entries.size(), static_cast<std::size_t>(callers * calls));
  std::vector<int> next(callers, 0);
  for (auto [caller, sequence] : entries) EXPECT_EQ(sequence, next[static_cast<std::size_t>(caller)]++);
}

TEST(Actor, ACallWaitingForItsArgumentsHoldsBackLaterCalls) {
  hetsched::Runtime rt{make_config(2)};
  auto journal = rt.actor<Journal>().remote();
  Gate gate;
  auto slow_value = rt.task([&gate] {
                        gate.wait();
                        return 0;
                      }).remote();
  journal.call(&Journal::record, slow_value, 0);  // submitted first, its argument is not ready
  journal.call(&Journal::record, 1, 1);           // ready at once, but must run second
  gate.open();
  EXPECT_EQ(rt.get(journal.call(&Journal::read)), (std::vector<std::pair<int, int>>{{0, 0}, {1, 1}}));
}

TEST(Actor, ConcurrentWaitersNeverRunACallTwice) {
  // Waiting threads try to run the calls they wait for while the actor's drainer hands calls to itself: each call
  // must run exactly once (a double run would count past the number of calls, or hang the runtime's shutdown).
  hetsched::Runtime rt{make_config(2)};
  auto counter = rt.actor<Counter>().remote();
  constexpr int rounds = 20, calls = 2000, waiters = 3;
  for (int round = 1; round <= rounds; ++round) {
    std::vector<hetsched::ObjectRef<int>> refs;
    for (int i = 0; i < calls; ++i) refs.push_back(counter.call(&Counter::increment));
    std::vector<std::thread> threads;
    for (int w = 0; w < waiters; ++w) {
      threads.emplace_back([&, w] {
        for (std::size_t i = static_cast<std::size_t>(w); i < refs.size(); i += waiters) rt.get(refs[i]);
      });
    }
    for (auto& thread : threads) thread.join();
    ASSERT_EQ(rt.get(counter.call(&Counter::read)), round * calls);
  }
}

/// An actor whose calls stay inside until the test releases them.
struct Holder {
  HeldTasks* held;
  explicit Holder(HeldTasks* h) : held(h) {}
  bool hold() { return held->hold(); }
};

TEST(Actor, RunsOneCallAtATimeByDefault) {
  HeldTasks held;
  hetsched::Runtime rt{make_config(4)};
  auto holder = rt.actor<Holder>().remote(&held);
  std::vector<hetsched::ObjectRef<bool>> refs;
  for (int i = 0; i < 5; ++i) refs.push_back(holder.call(&Holder::hold));
  ASSERT_TRUE(held.wait_until_inside(1));
  EXPECT_EQ(held.max_inside(), 1) << "a second call started while the first was still running (CPUs were free)";
  held.release();
  for (bool released : rt.get(refs)) EXPECT_TRUE(released);
  EXPECT_EQ(held.max_inside(), 1);
}

TEST(Actor, MaxConcurrencyLetsThatManyCallsRunAtOnceAndNoMore) {
  HeldTasks held;
  hetsched::Runtime rt{make_config(5)};
  auto holder = rt.actor<Holder>().max_concurrency(3).remote(&held);
  std::vector<hetsched::ObjectRef<bool>> refs;
  for (int i = 0; i < 5; ++i) refs.push_back(holder.call(&Holder::hold));
  ASSERT_TRUE(held.wait_until_inside(3)) << "max_concurrency(3) never ran three calls at once";
  EXPECT_EQ(held.max_inside(), 3) << "a fourth call started while three were running (CPUs were free)";
  held.release();
  for (bool released : rt.get(refs)) EXPECT_TRUE(released);
  EXPECT_EQ(held.max_inside(), 3);
}

TEST(Actor, HandlesCanBePassedToTasks) {
  hetsched::Runtime rt{make_config(2)};
  auto counter = rt.actor<Counter>().remote();
  std::vector<hetsched::ObjectRef<int>> refs;
  for (int i = 0; i < 10; ++i) {
    refs.push_back(rt.task([](hetsched::TaskContext& ctx, hetsched::ActorHandle<Counter> handle) {
                       return ctx.runtime().get(handle.call(&Counter::add, 1));
                     }).remote(counter));
  }
  rt.get(refs);
  EXPECT_EQ(rt.get(counter.call(&Counter::read)), 10);
}

TEST(Actor, HandlesCanBePassedToOtherActors) {
  struct Forwarder {
    hetsched::ActorHandle<Counter> target;
    explicit Forwarder(hetsched::ActorHandle<Counter> t) : target(std::move(t)) {}
    int forward(hetsched::TaskContext& ctx, int amount) { return ctx.runtime().get(target.call(&Counter::add, amount)); }
  };
  hetsched::Runtime rt{make_config(2)};
  auto counter = rt.actor<Counter>().remote();
  auto forwarder = rt.actor<Forwarder>().remote(counter);
  EXPECT_EQ(rt.get(forwarder.call(&Forwarder::forward, 5)), 5);
  EXPECT_EQ(rt.get(forwarder.call(&Forwarder::forward, 2)), 7);
}

TEST(Actor, AMethodThatThrowsFailsOnlyThatCall) {
  hetsched::Runtime rt{make_config(2)};
  auto counter = rt.actor<Counter>().name("fragile").remote();
  auto failed = counter.call(&Counter::fail_after_increment);
  try {
    rt.get(failed);
    FAIL() << "the call should have failed";
  } catch (const hetsched::TaskError& error) {
    EXPECT_TRUE(contains(error.what(), "counter overflow"));
    EXPECT_TRUE(contains(error.task_name(), "fragile"));
  }
  EXPECT_EQ(rt.get(counter.call(&Counter::increment)), 2);  // state kept, actor alive
}

TEST(Actor, AConstructorThatThrowsMakesEveryCallFailWithItsMessage) {
  struct Broken {
    Broken() { throw std::runtime_error("model file missing"); }
    int work() { return 1; }
  };
  hetsched::Runtime rt{make_config(2)};
  auto broken = rt.actor<Broken>().remote();
  for (int i = 0; i < 3; ++i) {
    try {
      rt.get(broken.call(&Broken::work));
      FAIL() << "the call should have failed";
    } catch (const hetsched::ActorDiedError& error) {
      EXPECT_TRUE(contains(error.what(), "model file missing")) << error.what();
    }
  }
}

TEST(Actor, KillFailsQueuedAndLaterCallsAndReturnsResourcesAtOnce) {
  struct Sleeper {
    Gate* started;
    Gate* gate;
    Sleeper(Gate* s, Gate* g) : started(s), gate(g) {}
    int block() {
      started->open();
      return gate->wait() ? 1 : 0;
    }
    int quick() { return 2; }
  };
  Gate started, gate;
  hetsched::Runtime rt{make_config(4, 1)};
  auto sleeper = rt.actor<Sleeper>().cpus(2).gpus(0.5).remote(&started, &gate);
  auto running = sleeper.call(&Sleeper::block);
  auto queued = sleeper.call(&Sleeper::quick);
  ASSERT_TRUE(started.wait());  // the actor is alive and holds its resources
  EXPECT_EQ(rt.available_resources()["CPU"], 2.0);
  sleeper.kill();
  EXPECT_EQ(rt.available_resources(), rt.total_resources());  // at once, while a call still runs
  EXPECT_THROW(rt.get(queued), hetsched::ActorDiedError);
  EXPECT_THROW(rt.get(sleeper.call(&Sleeper::quick)), hetsched::ActorDiedError);
  gate.open();
  EXPECT_EQ(rt.get(running), 1);  // the running call finishes
  sleeper.kill();                 // killing twice is harmless
}

TEST(Actor, ExplicitResourcesAreHeldForTheActorsLife) {
  hetsched::Runtime rt{make_config(4, 2)};
  auto held = rt.actor<Counter>().cpus(1).gpus(1).remote();
  rt.get(held.call(&Counter::read));
  EXPECT_EQ(rt.available_resources()["CPU"], 3.0);
  EXPECT_EQ(rt.available_resources()["GPU"], 1.0);
}

TEST(Actor, DefaultActorsNeedACpuToBePlacedButHoldNone) {
  hetsched::Runtime rt{make_config(1)};
  auto first = rt.actor<Counter>().remote();
  auto second = rt.actor<Counter>().remote();  // would wait forever if the first held its CPU
  EXPECT_EQ(rt.get(first.call(&Counter::increment)), 1);
  EXPECT_EQ(rt.get(second.call(&Counter::increment)), 1);
  EXPECT_EQ(rt.available_resources()["CPU"], 1.0);
}

TEST(Actor, AGpuActorStaysOnOneDeviceForItsLife) {
  struct Placement {
    int device(hetsched::TaskContext& ctx) {
      EXPECT_EQ(ctx.stream(), nullptr);  // logical GPU
      return ctx.gpu_ids().size() == 1 ? ctx.gpu_ids()[0] : -1;
    }
  };
  hetsched::Runtime rt{make_config(2, 2)};
  auto first = rt.actor<Placement>().gpus(0.5).remote();
  auto second = rt.actor<Placement>().gpus(1).remote();
  int device = rt.get(first.call(&Placement::device));
  ASSERT_GE(device, 0);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(rt.get(first.call(&Placement::device)), device);
  EXPECT_NE(rt.get(second.call(&Placement::device)), device);
}

TEST(Actor, NamedActorsCanBeLookedUpAndNamesAreUnique) {
  hetsched::Runtime rt{make_config(2)};
  auto counter = rt.actor<Counter>().name("global-counter").remote();
  counter.call(&Counter::add, 3);
  auto found = rt.get_actor<Counter>("global-counter");
  EXPECT_TRUE(found == counter);
  EXPECT_EQ(rt.get(found.call(&Counter::read)), 3);
  EXPECT_THROW(rt.actor<Counter>().name("global-counter").remote(), hetsched::UsageError);
  EXPECT_THROW(rt.get_actor<Counter>("nobody"), hetsched::UsageError);
  EXPECT_THROW(rt.get_actor<Journal>("global-counter"), hetsched::UsageError);
}

TEST(Actor, ANameIsFreedWhenItsActorIsKilled) {
  hetsched::Runtime rt{make_config(2)};
  rt.actor<Counter>().name("reused").remote().kill();
  auto again = rt.actor<Counter>().name("reused").remote();
  EXPECT_EQ(rt.get(again.call(&Counter::increment)), 1);
}

TEST(Actor, DemandsThatCanNeverBeMetFailAtCreation) {
  hetsched::Runtime rt{make_config(2, 1)};
  EXPECT_THROW(rt.actor<Counter>().gpus(2).remote(), hetsched::ResourceError);
  EXPECT_THROW(rt.actor<Counter>().resource("TPU", 1).remote(), hetsched::ResourceError);
  EXPECT_THROW(rt.actor<Counter>().max_concurrency(0), hetsched::UsageError);
}

TEST(Actor, AnEmptyHandleIsAClearError) {
  hetsched::ActorHandle<Counter> empty;
  EXPECT_FALSE(empty.valid());
  EXPECT_THROW(empty.call(&Counter::increment), hetsched::UsageError);
  EXPECT_THROW(empty.kill(), hetsched::UsageError);
}

TEST(Actor, LivesUntilItsLastHandleIsGoneAndItsCallsHaveRun) {
  static std::atomic<int> destroyed{0};
  struct Tracked {
    int calls = 0;
    ~Tracked() { ++destroyed; }
    int work() {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return ++calls;
    }
  };
  destroyed = 0;
  hetsched::Runtime rt{make_config(2)};
  std::vector<hetsched::ObjectRef<int>> refs;
  {
    auto tracked = rt.actor<Tracked>().remote();
    for (int i = 0; i < 20; ++i) refs.push_back(tracked.call(&Tracked::work));
  }  // the handle is gone; queued calls still run
  EXPECT_EQ(rt.get(refs).back(), 20);
  EXPECT_TRUE(eventually([] { return destroyed.load() == 1; }));
}

TEST(Actor, NoResourceLeaksAfterManyKills) {
  hetsched::Runtime rt{make_config(4, 2, {{"Slot", 8}})};
  for (int round = 0; round < 20; ++round) {
    std::vector<hetsched::ActorHandle<Counter>> actors;
    for (int i = 0; i < 8; ++i) actors.push_back(rt.actor<Counter>().cpus(0.5).gpus(0.25).resource("Slot", 1).remote());
    for (auto& actor : actors) actor.call(&Counter::increment);
    for (std::size_t i = 0; i < actors.size(); i += 2) actors[i].kill();  // half killed, half dropped
  }
  EXPECT_TRUE(eventually([&] { return rt.available_resources() == rt.total_resources(); }));
}

TEST(Actor, RuntimeShutdownStopsLiveActors) {
  static std::atomic<int> destroyed{0};
  struct Tracked {
    ~Tracked() { ++destroyed; }
    int work() { return 1; }
  };
  destroyed = 0;
  hetsched::ActorHandle<Tracked> survivor;
  hetsched::ObjectRef<int> late;
  {
    hetsched::Runtime rt{make_config(2)};
    survivor = rt.actor<Tracked>().cpus(1).remote();
    EXPECT_EQ(rt.get(survivor.call(&Tracked::work)), 1);
  }
  EXPECT_EQ(destroyed.load(), 1);
  // The handle outlives the runtime: its calls fail cleanly instead of crashing.
  late = survivor.call(&Tracked::work);
  hetsched::Runtime reader{make_config(1)};
  EXPECT_THROW(reader.get(late), hetsched::ActorDiedError);
}

int thread_count() {
  int threads = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* entry = readdir(dir)) threads += entry->d_name[0] != '.' ? 1 : 0;
    closedir(dir);
  }
  return threads;
}

TEST(Actor, ThousandsOfIdleActorsNeedNoThreads) {
  hetsched::Runtime rt{make_config(2)};
  std::vector<hetsched::ActorHandle<Counter>> actors;
  for (int i = 0; i < 3000; ++i) actors.push_back(rt.actor<Counter>().remote());
  std::vector<hetsched::ObjectRef<int>> refs;
  for (auto& actor : actors) refs.push_back(actor.call(&Counter::increment));
  for (int value : rt.get(refs)) EXPECT_EQ(value, 1);
  EXPECT_LT(thread_count(), 64);
}

}  // namespace
