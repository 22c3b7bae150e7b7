// With host-function completion, a broken device's tasks fail while a healthy device keeps completing tasks (issue
// 10, defect 6), on the simulated CUDA runtime. A broken context runs no host function, so only querying the pending
// events finds the error; that query must not wait for a pause in the other device's completions.
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "simulated_machine.hpp"

namespace hetsched::test {
namespace {

using ErrorDetection = SimulatedMachine;

TEST_F(ErrorDetection, ABrokenDevicesTaskFailsWhileTheOtherDeviceKeepsCompletingTasks) {
  hetsched::Runtime rt(config(4, 2, "host_functions"));
  // A sliver of GPU 0 held by an idle actor, so that the doomed task lands on GPU 1.
  struct Idle {
    int nothing() const { return 0; }
  };
  auto holder = rt.actor<Idle>().gpus(0.0001).remote();
  rt.get(holder.call(&Idle::nothing));
  // A task on GPU 1 whose kernel never ends, until GPU 1's context breaks.
  std::atomic<bool> launched{false};
  sim::Gate never;
  auto doomed = rt.task([&](hetsched::TaskContext& ctx) {
                    EXPECT_EQ(ctx.gpu_ids()[0], 1);
                    sim::launch(ctx.stream(), never.kernel());
                    launched = true;
                  })
                    .gpus(1)
                    .remote();
  // Many tasks on GPU 0, each with a kernel waiting for a gate of its own.
  constexpr int healthy_tasks = 1000;
  std::vector<sim::Gate> gates(healthy_tasks);
  auto bodies = std::make_shared<std::atomic<int>>(0);
  std::vector<hetsched::ObjectRef<int>> healthy;
  for (int task = 0; task < healthy_tasks; ++task) {
    healthy.push_back(rt.task([gate = gates[static_cast<std::size_t>(task)], bodies](hetsched::TaskContext& ctx) {
                          EXPECT_EQ(ctx.gpu_ids()[0], 0);
                          sim::launch(ctx.stream(), gate.kernel());
                          ++*bodies;
                          return 0;
                        })
                          .gpus(0.0001)
                          .remote());
  }
  while (!launched || bodies->load() < healthy_tasks) std::this_thread::yield();
  // GPU 1 breaks; then GPU 0's tasks complete one every 200 us, a steady trickle with no millisecond's pause, for at
  // least 200 ms (longer on a loaded machine, whose sleeps only stretch it). Checking for errors only in a pause in
  // completions, the progress thread would see the failure only once the trickle has ended.
  sim::break_device(1, cudaErrorIllegalAddress);
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    for (sim::Gate& gate : gates) {
      if (!stop) std::this_thread::sleep_for(std::chrono::microseconds(200));
      gate.open();
    }
  });
  rt.wait(std::vector{doomed});
  const std::size_t completed_before_failure =
      rt.wait(healthy, healthy.size(), std::chrono::milliseconds(0)).ready.size();
  stop = true;  // the rest open at once
  trickle.join();
  EXPECT_LT(completed_before_failure, healthy.size())
      << "the broken device's task stayed pending until GPU 0's steady completions stopped";
  EXPECT_THROW(rt.get(doomed), hetsched::TaskError);
  rt.wait(healthy, healthy.size());
}

}  // namespace
}  // namespace hetsched::test
