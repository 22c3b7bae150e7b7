// With host-function completion, a host function can still be pending on a GPU actor's own stream when the runtime
// goes: here its call failed by a failed event query, so it did not wait for the host function, and the actor's
// stream is destroyed (its queued work still runs). The runtime must not be gone when that host function runs.
#include <atomic>
#include <chrono>
#include <memory>

#include <hetsched/cuda/cuda_check.hpp>

#include "simulated_machine.hpp"

namespace hetsched::test {
namespace {

using namespace std::chrono_literals;

/// A GPU actor whose call launches a kernel that finishes `delay` after `*destroying` is set.
struct LateKernel {
  explicit LateKernel(hetsched::TaskContext&) {}
  int ready() const { return 1; }
  void launch(hetsched::TaskContext& ctx, std::shared_ptr<std::atomic<bool>> destroying) const {
    sim::Kernel kernel;
    kernel.step = [destroying, since = std::chrono::steady_clock::time_point{}]() mutable {
      if (!destroying->load()) return false;
      if (since == std::chrono::steady_clock::time_point{}) since = std::chrono::steady_clock::now();
      return std::chrono::steady_clock::now() - since >= 100ms;
    };
    sim::launch(ctx.stream(), std::move(kernel));
  }
};

using HostFunctionShutdown = SimulatedMachine;

TEST_F(HostFunctionShutdown, AHostFunctionPendingOnADestroyedActorsStreamRunsBeforeTheRuntimeIsGone) {
  auto destroying = std::make_shared<std::atomic<bool>>(false);
  auto rt = std::make_unique<hetsched::Runtime>(config(2, 1, "host_functions"));
  {
    auto actor = rt->actor<LateKernel>().gpus(1).remote();
    ASSERT_EQ(rt->get(actor.call(&LateKernel::ready)), 1);
    // The progress thread's error check queries the call's event while its kernel still waits: the query fails, and
    // the call fails without its host function having run.
    sim::fail_next_call("cudaEventQuery", cudaErrorUnknown);
    EXPECT_THROW(rt->get(actor.call(&LateKernel::launch, destroying)), hetsched::TaskError);
  }  // the actor ends: its stream is destroyed, and its queued work still runs
  destroying->store(true);  // the kernel, then the host function, run once the runtime is going
  rt.reset();
  // Whatever is still queued runs now: before the fix, the host function behind the kernel ran on the runtime's
  // freed streams object (a use after free, and a double free of what it carries).
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
}

}  // namespace
}  // namespace hetsched::test
