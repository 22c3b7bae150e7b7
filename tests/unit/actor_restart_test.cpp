// ActorBuilder::max_restarts: a call that fails with a DeviceError restarts the actor (its constructor runs again
// with the same arguments, queued calls then run on the new instance), what is never restarted, and what happens
// once the restarts are used up.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace {

using hetsched_test::Gate;
using hetsched_test::make_config;

/// Counts its constructions; a counter member starts from the constructor's value on each instance.
class Counter {
 public:
  Counter(int start, std::shared_ptr<std::atomic<int>> constructions) : count_(start) { ++*constructions; }
  int increment() { return ++count_; }
  int device_failure() { throw hetsched::DeviceError("simulated device loss"); }
  int plain_failure() { throw std::runtime_error("a bug in the method"); }

 private:
  int count_;
};

/// A fresh counter of constructions.
std::shared_ptr<std::atomic<int>> counter() { return std::make_shared<std::atomic<int>>(0); }

/// The ActorInfo of the only actor of `rt`.
hetsched::ActorInfo only_actor(const hetsched::Runtime& rt) {
  auto actors = rt.list_actors();
  EXPECT_EQ(actors.size(), 1u);
  return actors.empty() ? hetsched::ActorInfo{} : actors[0];
}

/// Expects `ref` to fail with a TaskError caused by a DeviceError.
template <class T>
void expect_device_failure(hetsched::Runtime& rt, const hetsched::ObjectRef<T>& ref) {
  try {
    rt.get(ref);
    ADD_FAILURE() << "expected the call to fail";
  } catch (const hetsched::TaskError& e) {
    EXPECT_THROW(std::rethrow_exception(e.cause()), hetsched::DeviceError);
  }
}

/// The message of the ActorDiedError `ref` fails with (empty, and a test failure, if it does not).
template <class T>
std::string died_message(hetsched::Runtime& rt, const hetsched::ObjectRef<T>& ref) {
  try {
    rt.get(ref);
    ADD_FAILURE() << "expected ActorDiedError";
  } catch (const hetsched::ActorDiedError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected ActorDiedError, got: " << e.what();
  }
  return {};
}

TEST(ActorRestart, ADeviceErrorRestartsTheActorWithFreshState) {
  hetsched::Runtime rt{make_config(2)};
  auto constructions = counter();
  auto actor = rt.actor<Counter>().max_restarts(1).remote(10, constructions);
  EXPECT_EQ(rt.get(actor.call(&Counter::increment)), 11);
  EXPECT_EQ(rt.get(actor.call(&Counter::increment)), 12);
  expect_device_failure(rt, actor.call(&Counter::device_failure));
  EXPECT_EQ(rt.get(actor.call(&Counter::increment)), 11);  // the new instance started from 10 again
  EXPECT_EQ(constructions->load(), 2);
  EXPECT_EQ(only_actor(rt).restarts, 1);
  EXPECT_EQ(only_actor(rt).status, hetsched::ActorStatus::alive);
  EXPECT_EQ(rt.counters().actor_restarts, 1u);
}

TEST(ActorRestart, OtherExceptionsFailTheCallOnlyAndDoNotRestart) {
  hetsched::Runtime rt{make_config(2)};
  auto constructions = counter();
  auto actor = rt.actor<Counter>().max_restarts(3).remote(0, constructions);
  EXPECT_EQ(rt.get(actor.call(&Counter::increment)), 1);
  EXPECT_THROW(rt.get(actor.call(&Counter::plain_failure)), hetsched::TaskError);
  EXPECT_EQ(rt.get(actor.call(&Counter::increment)), 2);  // same instance
  EXPECT_EQ(constructions->load(), 1);
  EXPECT_EQ(only_actor(rt).restarts, 0);
}

TEST(ActorRestart, WithoutMaxRestartsADeviceErrorFailsOnlyItsCall) {
  hetsched::Runtime rt{make_config(2)};
  auto constructions = counter();
  auto actor = rt.actor<Counter>().remote(0, constructions);
  expect_device_failure(rt, actor.call(&Counter::device_failure));
  EXPECT_EQ(rt.get(actor.call(&Counter::increment)), 1);
  EXPECT_EQ(constructions->load(), 1);
}

/// Records the values it is given; one method blocks until released, then fails with a DeviceError.
class Recorder {
 public:
  explicit Recorder(std::shared_ptr<std::atomic<int>> constructions) { ++*constructions; }
  int fail_when_released(std::shared_ptr<Gate> entered, std::shared_ptr<Gate> release) {
    entered->open();
    release->wait();
    throw hetsched::DeviceError("simulated device loss");
  }
  std::size_t record(int value) {
    seen_.push_back(value);
    return seen_.size();
  }
  std::vector<int> seen() const { return seen_; }

 private:
  std::vector<int> seen_;
};

TEST(ActorRestart, CallsQueuedDuringTheFailureRunOnTheNewInstanceInOrder) {
  hetsched::Runtime rt{make_config(2)};
  auto constructions = counter();
  auto actor = rt.actor<Recorder>().max_restarts(1).remote(constructions);
  EXPECT_EQ(rt.get(actor.call(&Recorder::record, -1)), 1u);
  auto entered = std::make_shared<Gate>();
  auto release = std::make_shared<Gate>();
  auto failing = actor.call(&Recorder::fail_when_released, entered, release);
  ASSERT_TRUE(entered->wait());
  std::vector<hetsched::ObjectRef<std::size_t>> queued;
  for (int i = 0; i < 20; ++i) queued.push_back(actor.call(&Recorder::record, i));
  release->open();
  expect_device_failure(rt, failing);
  for (std::size_t i = 0; i < queued.size(); ++i) EXPECT_EQ(rt.get(queued[i]), i + 1);
  std::vector<int> expected;
  for (int i = 0; i < 20; ++i) expected.push_back(i);
  EXPECT_EQ(rt.get(actor.call(&Recorder::seen)), expected);  // -1 went with the old instance
  EXPECT_EQ(constructions->load(), 2);
}

TEST(ActorRestart, RestartsUsedUpKillTheActorWithAMessageNamingThem) {
  hetsched::Runtime rt{make_config(2)};
  auto constructions = counter();
  auto actor = rt.actor<Counter>().name("flaky").max_restarts(2).remote(0, constructions);
  expect_device_failure(rt, actor.call(&Counter::device_failure));
  expect_device_failure(rt, actor.call(&Counter::device_failure));
  auto last = actor.call(&Counter::device_failure);
  auto queued = actor.call(&Counter::increment);
  expect_device_failure(rt, last);  // the call that broke it fails with its own error
  const std::string message = died_message(rt, queued);
  EXPECT_NE(message.find("flaky"), std::string::npos) << message;
  EXPECT_NE(message.find("after 2 restart"), std::string::npos) << message;
  EXPECT_NE(message.find("max_restarts(2)"), std::string::npos) << message;
  EXPECT_NE(message.find("simulated device loss"), std::string::npos) << message;
  EXPECT_EQ(died_message(rt, actor.call(&Counter::increment)), message);
  EXPECT_EQ(constructions->load(), 3);
  EXPECT_EQ(only_actor(rt).restarts, 2);
  EXPECT_EQ(only_actor(rt).status, hetsched::ActorStatus::dead);
  EXPECT_EQ(rt.counters().actor_restarts, 2u);
}

TEST(ActorRestart, ExplicitResourcesAreHeldAgainAfterARestartAndReturnedAtDeath) {
  hetsched::Runtime rt{make_config(4, 0, {{"Slot", 1}})};
  auto constructions = counter();
  auto actor = rt.actor<Counter>().cpus(2).resource("Slot", 1).max_restarts(1).remote(0, constructions);
  EXPECT_EQ(rt.get(actor.call(&Counter::increment)), 1);
  EXPECT_EQ(rt.available_resources().at("CPU"), 2);
  expect_device_failure(rt, actor.call(&Counter::device_failure));
  EXPECT_EQ(rt.get(actor.call(&Counter::increment)), 1);
  EXPECT_EQ(rt.available_resources().at("CPU"), 2);
  EXPECT_EQ(rt.available_resources().at("Slot"), 0);
  expect_device_failure(rt, actor.call(&Counter::device_failure));  // no restart left: dead
  EXPECT_TRUE(hetsched_test::eventually([&] { return rt.available_resources().at("CPU") == 4; }));
  EXPECT_EQ(rt.available_resources().at("Slot"), 1);
}

TEST(ActorRestart, KillIsNeverRestarted) {
  hetsched::Runtime rt{make_config(2)};
  auto constructions = counter();
  auto actor = rt.actor<Counter>().max_restarts(5).remote(0, constructions);
  EXPECT_EQ(rt.get(actor.call(&Counter::increment)), 1);
  actor.kill();
  const std::string message = died_message(rt, actor.call(&Counter::increment));
  EXPECT_NE(message.find("killed"), std::string::npos) << message;
  EXPECT_EQ(constructions->load(), 1);
}

/// Its constructor throws a DeviceError while `fail` is set.
class Fragile {
 public:
  Fragile(std::shared_ptr<std::atomic<bool>> fail, std::shared_ptr<std::atomic<int>> constructions) {
    ++*constructions;
    if (fail->load()) throw hetsched::DeviceError("the constructor lost its device");
  }
  int ping() { return 1; }
  int device_failure() { throw hetsched::DeviceError("simulated device loss"); }
};

TEST(ActorRestart, AFailedConstructorIsNotRestarted) {
  hetsched::Runtime rt{make_config(2)};
  auto fail = std::make_shared<std::atomic<bool>>(true);
  auto constructions = counter();
  auto actor = rt.actor<Fragile>().max_restarts(3).remote(fail, constructions);
  const std::string message = died_message(rt, actor.call(&Fragile::ping));
  EXPECT_NE(message.find("constructor failed"), std::string::npos) << message;
  EXPECT_NE(message.find("the constructor lost its device"), std::string::npos) << message;
  EXPECT_EQ(constructions->load(), 1);
  EXPECT_EQ(only_actor(rt).restarts, 0);
}

TEST(ActorRestart, AConstructorFailingOnARestartKillsTheActor) {
  hetsched::Runtime rt{make_config(2)};
  auto fail = std::make_shared<std::atomic<bool>>(false);
  auto constructions = counter();
  auto actor = rt.actor<Fragile>().name("fragile").max_restarts(3).remote(fail, constructions);
  EXPECT_EQ(rt.get(actor.call(&Fragile::ping)), 1);
  fail->store(true);
  expect_device_failure(rt, actor.call(&Fragile::device_failure));
  const std::string message = died_message(rt, actor.call(&Fragile::ping));
  EXPECT_NE(message.find("after 1 restart"), std::string::npos) << message;
  EXPECT_NE(message.find("the constructor lost its device"), std::string::npos) << message;
  EXPECT_EQ(constructions->load(), 2);  // not tried again: a failed constructor is not restarted
  EXPECT_EQ(only_actor(rt).status, hetsched::ActorStatus::dead);
}

TEST(ActorRestart, ANegativeCountIsAUsageError) {
  hetsched::Runtime rt{make_config(1)};
  auto builder = rt.actor<Counter>();
  EXPECT_THROW(builder.max_restarts(-1), hetsched::UsageError);
  EXPECT_NO_THROW(builder.max_restarts(0));
}

/// Takes a move-only argument.
class Owner {
 public:
  explicit Owner(std::unique_ptr<int> value) : value_(std::move(value)) {}
  int value() const { return *value_; }

 private:
  std::unique_ptr<int> value_;
};

TEST(ActorRestart, AMoveOnlyConstructorArgumentIsAUsageErrorAtCreation) {
  hetsched::Runtime rt{make_config(1)};
  try {
    rt.actor<Owner>().name("owner").max_restarts(1).remote(std::make_unique<int>(3));
    FAIL() << "expected UsageError";
  } catch (const hetsched::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("owner"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("move-only"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(rt.list_actors().empty());  // nothing was created
  auto fine = rt.actor<Owner>().name("owner").remote(std::make_unique<int>(3));  // without restarts: allowed
  EXPECT_EQ(rt.get(fine.call(&Owner::value)), 3);
}

/// Keeps what its constructor got (by value, moved in, so a moved-from argument would show).
class Keeper {
 public:
  Keeper(std::string text, std::vector<int> values, const std::vector<double>& shared,
         hetsched_test::CopyCounter counted)
      : text_(std::move(text)), values_(std::move(values)), shared_(shared), counted_(std::move(counted)) {}
  std::string describe() const {
    std::string out = text_ + "|";
    for (int v : values_) out += std::to_string(v) + ",";
    out += "|";
    for (double v : shared_) out += std::to_string(static_cast<int>(v)) + ",";
    return out + "|" + std::to_string(counted_.value);
  }
  int device_failure() { throw hetsched::DeviceError("simulated device loss"); }

 private:
  std::string text_;
  std::vector<int> values_;
  std::vector<double> shared_;
  hetsched_test::CopyCounter counted_;
};

TEST(ActorRestart, ConstructorArgumentsAreIntactForTheSecondConstruction) {
  hetsched::Runtime rt{make_config(2)};
  auto shared = rt.put(std::vector<double>{7, 8});
  std::string text = "a long enough string that it is not kept inline by std::string";
  auto actor = rt.actor<Keeper>()
                   .max_restarts(2)
                   .remote(std::string(text), std::vector<int>{1, 2, 3}, shared, hetsched_test::CopyCounter(42));
  const std::string expected = text + "|1,2,3,|7,8,|42";
  EXPECT_EQ(rt.get(actor.call(&Keeper::describe)), expected);
  expect_device_failure(rt, actor.call(&Keeper::device_failure));
  EXPECT_EQ(rt.get(actor.call(&Keeper::describe)), expected);
  expect_device_failure(rt, actor.call(&Keeper::device_failure));
  EXPECT_EQ(rt.get(actor.call(&Keeper::describe)), expected);
  EXPECT_EQ(only_actor(rt).restarts, 2);
}

/// Each instance takes the next generation number; its calls fail with a DeviceError when told to, noting which
/// generation failed.
class Generation {
 public:
  struct Shared {
    std::atomic<int> next_generation{0};
    std::mutex mutex;
    std::set<int> failed_generations;
  };
  explicit Generation(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {
    generation_ = shared_->next_generation++;
  }
  int work(bool fail) {
    ++calls_;
    if (fail) {
      {
        std::lock_guard lock(shared_->mutex);
        shared_->failed_generations.insert(generation_);
      }
      throw hetsched::DeviceError("simulated device loss");
    }
    return generation_;
  }

 private:
  std::shared_ptr<Shared> shared_;
  int generation_;
  std::atomic<int> calls_{0};
};

/// Several threads call an actor whose calls fail at random; returns how many calls failed with a DeviceError and
/// how many with ActorDiedError, checking that every call resolves with a value or one of those.
std::pair<int, int> race(hetsched::Runtime& rt, const hetsched::ActorHandle<Generation>& actor) {
  constexpr int threads = 4;
  constexpr int calls_each = 150;
  std::atomic<int> device_failures{0};
  std::atomic<int> deaths{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < threads; ++t) {
    callers.emplace_back([&, t] {
      std::mt19937 random(1234 + t);
      std::vector<hetsched::ObjectRef<int>> refs;
      for (int i = 0; i < calls_each; ++i) refs.push_back(actor.call(&Generation::work, random() % 5 == 0));
      for (auto& ref : refs) {
        try {
          rt.get(ref);
        } catch (const hetsched::TaskError& e) {
          try {
            std::rethrow_exception(e.cause());
          } catch (const hetsched::DeviceError&) {
            ++device_failures;
          } catch (...) {
            ++unexpected;
          }
        } catch (const hetsched::ActorDiedError&) {
          ++deaths;
        } catch (...) {
          ++unexpected;
        }
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(unexpected.load(), 0);
  return {device_failures.load(), deaths.load()};
}

TEST(ActorRestart, RacingCallersSeeEveryCallResolveAndEachFailureRestartOnce) {
  hetsched::Runtime rt{make_config(4)};
  auto shared = std::make_shared<Generation::Shared>();
  auto actor = rt.actor<Generation>().max_restarts(1000).remote(shared);
  auto [device_failures, deaths] = race(rt, actor);
  EXPECT_EQ(deaths, 0);
  EXPECT_GT(device_failures, 0);
  const int last = rt.get(actor.call(&Generation::work, false));  // runs after the last restart
  EXPECT_EQ(only_actor(rt).restarts, device_failures);  // one call at a time: each failure broke an instance
  EXPECT_EQ(last, device_failures);
  EXPECT_EQ(rt.counters().actor_restarts, static_cast<std::uint64_t>(device_failures));
}

TEST(ActorRestart, ConcurrentCallsFailingTogetherRestartOncePerBrokenInstance) {
  hetsched::Runtime rt{make_config(4)};
  auto shared = std::make_shared<Generation::Shared>();
  auto actor = rt.actor<Generation>().max_concurrency(3).max_restarts(1000).remote(shared);
  auto [device_failures, deaths] = race(rt, actor);
  EXPECT_EQ(deaths, 0);
  rt.get(actor.call(&Generation::work, false));
  std::lock_guard lock(shared->mutex);
  const int broken = static_cast<int>(shared->failed_generations.size());
  EXPECT_GT(broken, 0);
  EXPECT_LE(broken, device_failures);
  EXPECT_EQ(only_actor(rt).restarts, broken);
  EXPECT_EQ(shared->next_generation.load(), broken + 1);
}

TEST(ActorRestart, RacingCallersSeeTheActorDieWhenRestartsRunOut) {
  hetsched::Runtime rt{make_config(4)};
  auto shared = std::make_shared<Generation::Shared>();
  auto actor = rt.actor<Generation>().max_restarts(5).remote(shared);
  auto [device_failures, deaths] = race(rt, actor);
  EXPECT_EQ(device_failures, 6);  // five restarts, then the sixth broken instance kills the actor
  EXPECT_GT(deaths, 0);
  const std::string message = died_message(rt, actor.call(&Generation::work, false));
  EXPECT_NE(message.find("after 5 restart"), std::string::npos) << message;
  EXPECT_EQ(only_actor(rt).restarts, 5);
  EXPECT_EQ(shared->next_generation.load(), 6);
}

}  // namespace
