// A kernel that writes through a bad pointer breaks its device's CUDA context for the rest of the process (a sticky
// error): this program has its own executable so that nothing else runs after it. The task fails with a TaskError
// naming cudaErrorIllegalAddress; every later task on that device fails too, with a CUDA error, instead of hanging;
// CPU tasks still run; and the Runtime can still be destroyed. Built twice: with the default completion mode and
// (HETSCHED_TEST_GPU_COMPLETION) with host functions. Prints how long each failure and the shutdown took, in lines
// starting "sticky:" (scripts/gpu-check.sh collects them; they are never checked).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "gpu_test_support.cuh"

#ifndef HETSCHED_TEST_GPU_COMPLETION
#define HETSCHED_TEST_GPU_COMPLETION "events"
#endif

namespace {

using hetsched_gpu_test::contains;

/// Prints "sticky: <what> after <ms> ms" for the time since `since`, and restarts it.
void print_elapsed(const char* what, std::chrono::steady_clock::time_point& since) {
  const auto now = std::chrono::steady_clock::now();
  std::printf("sticky: %s after %.1f ms\n", what, std::chrono::duration<double, std::milli>(now - since).count());
  since = now;
}
using hetsched_gpu_test::gpu_config;
using hetsched_gpu_test::hang_guard;

/// Writes through `target`: given an address no allocation covers, the kernel faults.
__global__ void write_through(int* target) { *target = 1; }

__global__ void empty_kernel() {}

/// Gets `ref`, expecting a TaskError whose message names a CUDA error (`error_name` when given); returns its message.
template <class T>
std::string expect_cuda_task_error(hetsched::Runtime& rt, const hetsched::ObjectRef<T>& ref,
                                   const std::string& error_name) {
  try {
    rt.get(ref, hang_guard);
  } catch (const hetsched::TaskError& error) {
    EXPECT_TRUE(contains(error.what(), error_name)) << error.what();
    return error.what();
  } catch (const hetsched::GetTimeoutError& error) {
    ADD_FAILURE() << "the task hung after the device's context broke: " << error.what();
    return {};
  }
  ADD_FAILURE() << "the task succeeded on a device whose context is broken";
  return {};
}

TEST(GpuStickyError, AnIllegalAddressFailsItsTaskAndLaterDeviceTasksFailInsteadOfHanging) {
  HETSCHED_REQUIRE_GPU();
  hetsched_gpu_test::Watchdog watchdog("the sticky-error test (runtime included)", std::chrono::seconds(100));
  hetsched::Config config = gpu_config();
  config.gpu_completion = HETSCHED_TEST_GPU_COMPLETION;
  std::printf("completion mode: %s\n", config.gpu_completion.c_str());
  auto rt = std::make_unique<hetsched::Runtime>(config);
  constexpr std::size_t elements = 1 << 16;
  auto written = rt->put_buffer(std::vector<int>(elements, 0));
  auto untouched = rt->put_buffer(std::vector<int>(elements, 5));  // made before the fault, first used after it

  auto since = std::chrono::steady_clock::now();
  auto faulting = rt->task([](hetsched::TaskContext& ctx, std::span<int>) {
                      write_through<<<1, 1, 0, ctx.stream()>>>(reinterpret_cast<int*>(std::uintptr_t{0x8}));
                    })
                      .gpus(1)
                      .name("illegal address")
                      .remote(hetsched::read_write(written));
  try {
    rt->get(faulting, hang_guard);
    ADD_FAILURE() << "a kernel writing through a bad pointer must fail its task";
  } catch (const hetsched::TaskError& error) {
    EXPECT_EQ(error.task_name(), "illegal address");
    EXPECT_TRUE(contains(error.what(), "cudaErrorIllegalAddress")) << error.what();
  }
  print_elapsed("the faulting task failed", since);

  // The context is broken: a later kernel task, and a later task whose buffer must be copied in, fail with a CUDA
  // error (which one depends on the call that first meets the broken context).
  auto later_kernel = rt->task([](hetsched::TaskContext& ctx) { empty_kernel<<<1, 1, 0, ctx.stream()>>>(); })
                          .gpus(1)
                          .name("later kernel")
                          .remote();
  std::printf("later kernel task: %s\n", expect_cuda_task_error(*rt, later_kernel, "cudaError").c_str());
  print_elapsed("a later kernel task failed", since);
  auto later_copy = rt->task([](std::span<const int> values) { return values.size(); })
                        .gpus(1)
                        .name("later copy in")
                        .remote(hetsched::read(untouched));
  std::printf("later task copying a buffer in: %s\n", expect_cuda_task_error(*rt, later_copy, "cudaError").c_str());
  print_elapsed("a later task copying a buffer in failed", since);

  // The buffer the faulting task wrote has no trustworthy contents: reading it rethrows that task's failure.
  EXPECT_THROW(rt->get(written, hang_guard), hetsched::TaskError);

  // CPU work does not touch the device and still runs.
  EXPECT_EQ(rt->get(rt->task([] { return 7; }).remote(), hang_guard), 7);

  since = std::chrono::steady_clock::now();
  rt.reset();  // must return (the watchdog ends the process if it does not)
  print_elapsed("the runtime shut down", since);
}

}  // namespace
