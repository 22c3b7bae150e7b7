// A GPU task with several CPUs runs its body's oneTBB parallel work on helper threads too; every one of them has the
// task's device current while it works for the body, so each can launch on the task's stream (on the simulated CUDA
// runtime of tests/sim_cuda, whose current device is per thread as CUDA's is, and which rejects a launch on a stream
// of another device). The helpers get their own device back once they leave.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <set>
#include <thread>

#include "simulated_machine.hpp"

namespace hetsched::test {
namespace {

/// Device 1 has more memory than device 0: a task asking for more than device 0's capacity is placed on device 1,
/// which is what no thread has current by default.
constexpr std::size_t small_device = std::size_t{1} << 30;
constexpr std::size_t large_device = std::size_t{4} << 30;
constexpr std::size_t only_on_device_1 = std::size_t{2} << 30;
/// Chunks of the body's parallel loop: each waits (within a bound) until two threads work on the loop, so a helper
/// thread certainly takes part.
constexpr int chunks = 8;

sim::MachineSpec uneven_devices() {
  sim::MachineSpec spec;
  spec.devices.assign(2, sim::DeviceSpec{});
  spec.devices[0].memory = small_device;
  spec.devices[1].memory = large_device;
  return spec;
}

int current_device() {
  int device = -1;
  cudaGetDevice(&device);
  return device;
}

/// What the chunks of one parallel loop saw.
struct LoopReport {
  std::size_t threads = 0;        ///< distinct threads that ran a chunk
  int chunks_on_other_device = 0;  ///< chunks that found another device current than expected
  int failed_launches = 0;         ///< chunks whose launch on the task's stream failed
};

/// Runs `chunks` chunks in parallel; each checks that `device` is current and, when `stream` is not null, launches
/// a kernel on it.
LoopReport parallel_loop(int device, cudaStream_t stream) {
  std::mutex mutex;
  std::set<std::thread::id> threads;
  LoopReport report;
  tbb::parallel_for(
      tbb::blocked_range<int>(0, chunks, 1),
      [&](const tbb::blocked_range<int>&) {
        {
          std::lock_guard lock(mutex);
          threads.insert(std::this_thread::get_id());
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        for (;;) {
          {
            std::lock_guard lock(mutex);
            if (threads.size() >= 2) break;
          }
          if (std::chrono::steady_clock::now() > deadline) break;
          std::this_thread::yield();
        }
        const bool right_device = current_device() == device;
        const bool launched = stream == nullptr || sim::launch(stream, sim::Kernel{}) == cudaSuccess;
        std::lock_guard lock(mutex);
        report.chunks_on_other_device += right_device ? 0 : 1;
        report.failed_launches += launched ? 0 : 1;
      },
      tbb::simple_partitioner());
  report.threads = threads.size();
  return report;
}

class GpuParallelBody : public SimulatedMachine {
 protected:
  GpuParallelBody() : SimulatedMachine(uneven_devices()) {}
};

TEST_F(GpuParallelBody, EveryHelperThreadOfAMultiCpuGpuTaskHasTheTasksDeviceCurrent) {
  hetsched::Runtime rt(config(2, 2));
  auto report = rt.task([](hetsched::TaskContext& ctx) {
                    EXPECT_EQ(ctx.gpu_ids()[0], 1);
                    return parallel_loop(ctx.gpu_ids()[0], ctx.stream());
                  })
                    .cpus(2)
                    .gpus(1)
                    .gpu_memory(only_on_device_1)
                    .remote();
  const LoopReport& seen = rt.get(report);
  ASSERT_GE(seen.threads, 2u) << "no helper thread took part in the body's loop, so nothing was checked";
  EXPECT_EQ(seen.chunks_on_other_device, 0) << "a helper thread of the task's arena had another device current";
  EXPECT_EQ(seen.failed_launches, 0) << "a helper thread could not launch on the task's stream";
  EXPECT_EQ(sim::stats(1).kernels, chunks);

  // The helpers left with their own device (0, the default) current again: a CPU task's loop sees it.
  auto after = rt.task([] { return parallel_loop(0, nullptr); }).cpus(2).remote();
  EXPECT_EQ(rt.get(after).chunks_on_other_device, 0) << "a helper thread kept the GPU task's device current";
}

}  // namespace
}  // namespace hetsched::test
