// A GPU actor's restart (ActorBuilder::max_restarts) on the simulated CUDA runtime of tests/sim_cuda: the new
// instance gets a stream of its own, the old stream is not used again, and no CUDA call is made where CUDA forbids
// it (a host function), in both completion modes.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "simulated_machine.hpp"

namespace hetsched::test {
namespace {

/// Reports the stream its constructor ran on and the stream of each call; counts its live instances.
struct StreamKeeper {
  StreamKeeper(hetsched::TaskContext& ctx, std::atomic<int>* live) : constructed_on(ctx.stream()), live_(live) {
    ++*live_;
  }
  ~StreamKeeper() { --*live_; }
  StreamKeeper(const StreamKeeper&) = delete;
  StreamKeeper& operator=(const StreamKeeper&) = delete;

  hetsched::StreamHandle constructor_stream() const { return constructed_on; }
  hetsched::StreamHandle where(hetsched::TaskContext& ctx) const { return ctx.stream(); }
  int device_failure() { throw hetsched::DeviceError("simulated device loss"); }

  hetsched::StreamHandle constructed_on;

 private:
  std::atomic<int>* live_;
};

/// Polls `predicate` for up to 30 s (a hang guard, not a performance claim); returns its last value.
template <class Predicate>
bool eventually(Predicate predicate) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!predicate() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return predicate();
}

class SimulatedActorRestart : public SimulatedMachine, public ::testing::WithParamInterface<const char*> {};

TEST_P(SimulatedActorRestart, TheNewInstanceRunsOnANewStreamOfItsOwn) {
  std::atomic<int> live{0};
  {
    hetsched::Runtime rt(config(4, 1, GetParam()));
    auto actor = rt.actor<StreamKeeper>().gpus(1).max_restarts(2).remote(&live);
    const hetsched::StreamHandle first = rt.get(actor.call(&StreamKeeper::constructor_stream));
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(rt.get(actor.call(&StreamKeeper::where)), first);
    EXPECT_THROW(rt.get(actor.call(&StreamKeeper::device_failure)), hetsched::TaskError);
    const hetsched::StreamHandle second = rt.get(actor.call(&StreamKeeper::constructor_stream));
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(rt.get(actor.call(&StreamKeeper::where)), second) << "calls run on the new instance's stream";
    EXPECT_EQ(live.load(), 1) << "the broken instance was not destroyed";
    EXPECT_EQ(rt.available_resources().at("GPU"), 0.0) << "the new instance holds the GPU again";
    EXPECT_EQ(rt.list_actors().at(0).restarts, 1);
    EXPECT_THROW(rt.get(actor.call(&StreamKeeper::device_failure)), hetsched::TaskError);
    EXPECT_THROW(rt.get(actor.call(&StreamKeeper::device_failure)), hetsched::TaskError);  // restarts used up
    EXPECT_THROW(rt.get(actor.call(&StreamKeeper::where)), hetsched::ActorDiedError);
    EXPECT_TRUE(eventually([&] { return live.load() == 0; })) << "the dead actor's instance was not destroyed";
    EXPECT_TRUE(eventually([&] { return rt.available_resources().at("GPU") == 1.0; })) << "the GPU did not return";
  }
  EXPECT_EQ(live.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(CompletionModes, SimulatedActorRestart, ::testing::Values("events", "host_functions"));

}  // namespace
}  // namespace hetsched::test
