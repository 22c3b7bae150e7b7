// Each GPU task's launch errors are its own (issue 10, defect 2), on the simulated CUDA runtime: a body whose launch
// failed and which then blocks in get, running an inner GPU task on its thread, still fails with its own error; the
// inner task does not inherit it; and the runtime's own calls that fail and clear the thread's last error inside a
// body (an allocation retried after an eviction) do not wipe the body's pending launch error.
#include <string>

#include "simulated_machine.hpp"

namespace hetsched::test {
namespace {

/// Whether `ref`'s task failed with a message naming `error`.
template <class T>
bool fails_with(hetsched::Runtime& rt, const hetsched::ObjectRef<T>& ref, const std::string& error) {
  try {
    rt.get(ref);
  } catch (const hetsched::TaskError& failure) {
    return std::string(failure.what()).find(error) != std::string::npos;
  }
  return false;
}

using LaunchErrors = SimulatedMachine;

TEST_F(LaunchErrors, ABodyBlockedInGetOnAnInnerGpuTaskKeepsItsOwnLaunchError) {
  // One CPU: the inner task can only run on the outer body's thread, inline in its get.
  hetsched::Runtime rt(config(1, 1));
  auto outer = rt.task([](hetsched::TaskContext& ctx) {
                   sim::launch(ctx.stream(), failing_launch());
                   auto& inner_rt = ctx.runtime();
                   auto inner = inner_rt.task([](hetsched::TaskContext& inner_ctx) {
                                          sim::launch(inner_ctx.stream(), sim::Kernel{});
                                          return 2;
                                        })
                                    .cpus(0)
                                    .gpus(0.5)
                                    .remote();
                   return inner_rt.get(inner);
                 })
                   .gpus(0.5)
                   .remote();
  EXPECT_TRUE(fails_with(rt, outer, "cudaErrorInvalidConfiguration"))
      << "the outer task's failed launch was lost while an inner task ran on its thread";
}

TEST_F(LaunchErrors, AnInnerTaskRunInsideABodyDoesNotInheritTheBodysLaunchError) {
  hetsched::Runtime rt(config(1, 1));
  auto inner_ok = std::make_shared<std::atomic<int>>(-1);
  auto outer = rt.task([inner_ok](hetsched::TaskContext& ctx) {
                   sim::launch(ctx.stream(), failing_launch());
                   auto& inner_rt = ctx.runtime();
                   auto inner = inner_rt.task([] { return 2; }).cpus(0).gpus(0.5).remote();
                   try {
                     *inner_ok = inner_rt.get(inner) == 2 ? 1 : 0;
                   } catch (...) {
                     *inner_ok = 0;
                   }
                 })
                   .gpus(0.5)
                   .remote();
  EXPECT_TRUE(fails_with(rt, outer, "cudaErrorInvalidConfiguration"));
  EXPECT_EQ(inner_ok->load(), 1) << "the inner task was blamed for the outer body's launch";
}

TEST_F(LaunchErrors, AnAllocationRetriedAfterAnEvictionInsideABodyKeepsItsLaunchError) {
  hetsched::Runtime rt(config(2, 1));
  // A replica on GPU 0 that the body's allocation can evict.
  auto resident = rt.put_buffer(std::vector<int>(1024, 1));
  rt.get(rt.task([](hetsched::TaskContext&, std::span<const int>) {}).gpus(1).remote(hetsched::read(resident)));
  auto outer = rt.task([](hetsched::TaskContext& ctx) {
                   sim::launch(ctx.stream(), failing_launch());
                   // The pool refuses once: the store clears that failure, evicts and retries.
                   sim::fail_next_call("cudaMallocFromPoolAsync", cudaErrorMemoryAllocation);
                   return ctx.alloc<int>(256);
                 })
                   .gpus(1)
                   .remote();
  EXPECT_TRUE(fails_with(rt, outer, "cudaErrorInvalidConfiguration"))
      << "the runtime's own cleanup of a failed allocation wiped the body's launch error";
}

}  // namespace
}  // namespace hetsched::test
