// A GPU actor's destructor runs with the actor's device current, whichever thread ends the actor, and that thread
// gets its own device back afterwards (on the simulated GPU of simulated_gpu.hpp, whose current device is per thread
// as CUDA's is).
#include <gtest/gtest.h>

#include <atomic>

#include "simulated_gpu.hpp"

namespace hetsched::test {
namespace {

/// Writes the device current on the destroying thread to `*seen`.
struct DeviceRecorder {
  explicit DeviceRecorder(std::atomic<int>* seen) : seen_(seen) {}
  ~DeviceRecorder() { seen_->store(SimulatedGpuStreams::current_device()); }
  DeviceRecorder(const DeviceRecorder&) = delete;
  DeviceRecorder& operator=(const DeviceRecorder&) = delete;

  int device(hetsched::TaskContext& ctx) const { return ctx.gpu_ids()[0]; }

 private:
  std::atomic<int>* seen_;
};

TEST(SimulatedGpuActor, IsDestroyedWithItsDeviceCurrentAndTheKillingThreadKeepsItsOwn) {
  SimulatedGpus gpus{2};
  hetsched::Config config;
  config.num_cpus = 4;
  config.num_gpus = 2;
  config.read_environment = false;
  hetsched::Runtime rt = gpus.runtime(config);
  std::atomic<int> seen_first{-2};
  std::atomic<int> seen_second{-2};
  auto first = rt.actor<DeviceRecorder>().gpus(1).remote(&seen_first);
  auto second = rt.actor<DeviceRecorder>().gpus(1).remote(&seen_second);
  const int first_device = rt.get(first.call(&DeviceRecorder::device));
  const int second_device = rt.get(second.call(&DeviceRecorder::device));
  ASSERT_NE(first_device, second_device) << "each actor holds a whole GPU";

  // This thread has the first actor's device current when it ends the second actor, and the other way round.
  SimulatedGpuStreams::current_device() = first_device;
  second.kill();
  EXPECT_EQ(seen_second.load(), second_device) << "the destructor ran with another device current";
  EXPECT_EQ(SimulatedGpuStreams::current_device(), first_device) << "the killing thread's device was not restored";

  SimulatedGpuStreams::current_device() = second_device;
  first.kill();
  EXPECT_EQ(seen_first.load(), first_device) << "the destructor ran with another device current";
  EXPECT_EQ(SimulatedGpuStreams::current_device(), second_device) << "the killing thread's device was not restored";
}

}  // namespace
}  // namespace hetsched::test
