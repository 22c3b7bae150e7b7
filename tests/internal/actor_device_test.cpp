// A GPU actor's destructor runs with the actor's device current, whichever thread ends the actor, and that thread
// gets its own device back afterwards (on the simulated CUDA runtime of tests/sim_cuda, whose current device is per
// thread as CUDA's is).
#include <atomic>

#include "simulated_machine.hpp"

namespace hetsched::test {
namespace {

int current_device() {
  int device = -1;
  cudaGetDevice(&device);
  return device;
}

void make_current(int device) { cudaSetDevice(device); }

/// Writes the device current on the destroying thread to `*seen`.
struct DeviceRecorder {
  explicit DeviceRecorder(std::atomic<int>* seen) : seen_(seen) {}
  ~DeviceRecorder() { seen_->store(current_device()); }
  DeviceRecorder(const DeviceRecorder&) = delete;
  DeviceRecorder& operator=(const DeviceRecorder&) = delete;

  int device(hetsched::TaskContext& ctx) const { return ctx.gpu_ids()[0]; }

 private:
  std::atomic<int>* seen_;
};

using SimulatedGpuActor = SimulatedMachine;

TEST_F(SimulatedGpuActor, IsDestroyedWithItsDeviceCurrentAndTheKillingThreadKeepsItsOwn) {
  hetsched::Runtime rt(config(4, 2));
  std::atomic<int> seen_first{-2};
  std::atomic<int> seen_second{-2};
  auto first = rt.actor<DeviceRecorder>().gpus(1).remote(&seen_first);
  auto second = rt.actor<DeviceRecorder>().gpus(1).remote(&seen_second);
  const int first_device = rt.get(first.call(&DeviceRecorder::device));
  const int second_device = rt.get(second.call(&DeviceRecorder::device));
  ASSERT_NE(first_device, second_device) << "each actor holds a whole GPU";

  // This thread has the first actor's device current when it ends the second actor, and the other way round.
  make_current(first_device);
  second.kill();
  EXPECT_EQ(seen_second.load(), second_device) << "the destructor ran with another device current";
  EXPECT_EQ(current_device(), first_device) << "the killing thread's device was not restored";

  make_current(second_device);
  first.kill();
  EXPECT_EQ(seen_first.load(), first_device) << "the destructor ran with another device current";
  EXPECT_EQ(current_device(), second_device) << "the killing thread's device was not restored";
}

}  // namespace
}  // namespace hetsched::test
