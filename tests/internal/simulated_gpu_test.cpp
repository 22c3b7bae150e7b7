// The core's real-GPU paths, the real cuda/ layer included (streams, progress loop, memory system), on the simulated
// CUDA runtime of tests/sim_cuda: a body gets a stream and its device, its "kernels" run after it returned and the
// task completes only then, copies in are enqueued on the task's stream and shared by concurrent readers, a GPU
// task's CPU goes back when its body returns, an actor has a stream of its own, a launch error fails only its task,
// and eviction never frees memory that queued work uses. Every test runs in both completion modes
// (Config::gpu_completion), and fails on any violation the simulation saw.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <numeric>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <hetsched/hetsched.hpp>
#include <sim_cuda/control.hpp>

namespace hetsched::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t elements = 4096;
constexpr std::size_t bytes = elements * sizeof(int);
/// The streams cuda/gpu_streams.cpp makes per device at start.
constexpr std::size_t pool_streams = 8;

std::vector<int> iota_vector(std::size_t count) {
  std::vector<int> values(count);
  std::iota(values.begin(), values.end(), 0);
  return values;
}

/// True when view[i] == i + offset everywhere.
bool holds_iota_plus(std::span<const int> view, int offset) {
  for (std::size_t i = 0; i < view.size(); ++i) {
    if (view[i] != static_cast<int>(i) + offset) return false;
  }
  return true;
}

int current_device() {
  int device = -1;
  cudaGetDevice(&device);
  return device;
}

/// A kernel running `step` (which returns false while it must wait) and touching `values`.
sim::Kernel kernel_on(std::span<const int> values, sim::Step step) {
  sim::Kernel kernel;
  kernel.step = std::move(step);
  kernel.touches.emplace_back(values.data(), values.size_bytes());
  return kernel;
}

class SimulatedGpu : public ::testing::TestWithParam<const char*> {
 protected:
  /// Two simulated devices; `memory` bytes each.
  explicit SimulatedGpu(std::size_t memory = std::size_t{1} << 30) {
    sim::MachineSpec spec;
    spec.devices.assign(2, sim::DeviceSpec{});
    for (sim::DeviceSpec& device : spec.devices) device.memory = memory;
    sim::reset(spec);
  }
  ~SimulatedGpu() override {
    for (const std::string& line : sim::take_violations()) ADD_FAILURE() << line;
  }

  static hetsched::Config config(int cpus = 4, int gpus = 1) {
    hetsched::Config config;
    config.num_cpus = cpus;
    config.num_gpus = gpus;
    config.read_environment = false;
    config.gpu_completion = GetParam();
    return config;
  }

  /// A task body's kernel adding one to every element, after `delay` on the device.
  static auto add_one_kernel(std::chrono::microseconds delay = 0us) {
    return [delay](hetsched::TaskContext& ctx, std::span<int> values) {
      auto start = std::chrono::steady_clock::now();
      sim::launch(ctx.stream(), kernel_on(values, [values, start, delay] {
                    if (std::chrono::steady_clock::now() - start < delay) return false;
                    for (int& value : values) value += 1;
                    return true;
                  }));
    };
  }
};

TEST_P(SimulatedGpu, ABodyGetsAStreamAndItsDeviceAndTheTaskCompletesOnlyWhenItsKernelHasRun) {
  hetsched::Runtime rt(config());
  std::atomic<bool> kernel_ran{false};
  auto ref = rt.task([&](hetsched::TaskContext& ctx) {
                 EXPECT_NE(ctx.stream(), nullptr);
                 EXPECT_EQ(current_device(), ctx.gpu_ids()[0]);
                 EXPECT_EQ(sim::device_of(ctx.stream()), ctx.gpu_ids()[0]);
                 sim::launch(ctx.stream(), sim::after(50ms, [&kernel_ran] { kernel_ran = true; }));
                 return 5;
               })
                 .gpus(1)
                 .remote();
  EXPECT_EQ(rt.get(ref), 5);
  EXPECT_TRUE(kernel_ran) << "the result was published before the task's stream reached the end of its work";
}

TEST_P(SimulatedGpu, AChainOfKernelTasksMovesTheBufferInOnceAndACpuReaderSeesEveryWrite) {
  hetsched::Runtime rt(config());
  auto ref = rt.put_buffer(iota_vector(elements));
  for (int step = 0; step < 10; ++step) {
    rt.task(add_one_kernel(step == 0 ? 20ms : 0us)).gpus(1).remote(hetsched::read_write(ref));
  }
  auto checked = rt.task([](std::span<const int> values) { return holds_iota_plus(values, 10); })
                     .remote(hetsched::read(ref));
  EXPECT_TRUE(rt.get(checked)) << "the CPU reader ran before the kernels' writes were complete";
  const hetsched::StoreStats stats = rt.store_stats();
  EXPECT_EQ(stats.bytes_host_to_device, bytes);
  EXPECT_EQ(stats.bytes_device_to_host, bytes);
}

/// What a kernel found, set on the device: the task completes only after, so get() may read it.
using DeviceAnswer = std::shared_ptr<std::atomic<int>>;

TEST_P(SimulatedGpu, ReadersOnOneGpuAtOnceShareOneCopyInEnqueuedOnTheFirstOnesStream) {
  hetsched::Runtime rt(config(8, 1));
  auto input = rt.put_buffer(iota_vector(elements));
  std::vector<hetsched::ObjectRef<DeviceAnswer>> answers;
  for (int reader = 0; reader < 6; ++reader) {
    answers.push_back(rt.task([](hetsched::TaskContext& ctx, std::span<const int> values) {
                          // The body must not look: the copy in may still be queued. The kernel looks.
                          auto found = std::make_shared<std::atomic<int>>(-1);
                          sim::launch(ctx.stream(), kernel_on(values, [values, found] {
                                        *found = holds_iota_plus(values, 0) ? 1 : 0;
                                        return true;
                                      }));
                          return found;
                        })
                          .gpus(0.125)
                          .remote(hetsched::read(input)));
  }
  for (auto& answer : answers) {
    EXPECT_EQ(rt.get(answer)->load(), 1) << "a reader's kernel ran before the copy it needed was complete";
  }
  EXPECT_EQ(rt.store_stats().bytes_host_to_device, bytes) << "one copy in, shared by every reader";
}

TEST_P(SimulatedGpu, AGpuTaskGivesItsCpuBackWhenItsBodyReturns) {
  hetsched::Runtime rt(config(1, 1));
  constexpr int parties = 4;
  auto started = std::make_shared<std::atomic<int>>(0);
  std::vector<hetsched::ObjectRef<DeviceAnswer>> met;
  for (int task = 0; task < parties; ++task) {
    // The default cpus(1) on a one-CPU runtime: the four kernels meet only if each body's CPU comes back as soon as
    // it has launched, while its kernel still waits for the others.
    met.push_back(rt.task([started](hetsched::TaskContext& ctx) {
                      auto answer = std::make_shared<std::atomic<int>>(-1);
                      sim::Kernel kernel;
                      kernel.step = [started, answer, counted = false,
                                     deadline = std::chrono::steady_clock::now() + 5s]() mutable {
                        if (!std::exchange(counted, true)) ++*started;
                        if (*started < parties && std::chrono::steady_clock::now() < deadline) return false;
                        *answer = started->load();
                        return true;
                      };
                      sim::launch(ctx.stream(), std::move(kernel));
                      return answer;
                    })
                      .gpus(0.25)
                      .remote());
  }
  for (auto& answer : met) EXPECT_EQ(rt.get(answer)->load(), parties) << "the four kernels did not meet";
  EXPECT_EQ(rt.available_resources().at("CPU"), 1.0) << "the CPU must come back exactly once";
  EXPECT_EQ(rt.available_resources().at("GPU"), 1.0);
}

/// A GPU actor reporting the stream its constructor and calls ran on.
struct StreamReporter {
  hetsched::StreamHandle constructed_on;
  explicit StreamReporter(hetsched::TaskContext& ctx) : constructed_on(ctx.stream()) {}
  hetsched::StreamHandle constructor_stream() const { return constructed_on; }
  hetsched::StreamHandle where(hetsched::TaskContext& ctx) const { return ctx.stream(); }
};

TEST_P(SimulatedGpu, AGpuActorHasAStreamOfItsOwnThatNoPlainTaskIsGiven) {
  hetsched::Runtime rt(config(4, 1));
  auto actor = rt.actor<StreamReporter>().gpus(0.5).remote();
  const hetsched::StreamHandle own = rt.get(actor.call(&StreamReporter::constructor_stream));
  ASSERT_NE(own, nullptr);
  for (int call = 0; call < 4; ++call) EXPECT_EQ(rt.get(actor.call(&StreamReporter::where)), own);
  std::set<hetsched::StreamHandle> plain;
  for (std::size_t task = 0; task < 3 * pool_streams; ++task) {
    plain.insert(rt.get(rt.task([](hetsched::TaskContext& ctx) { return ctx.stream(); }).gpus(0.25).remote()));
  }
  EXPECT_EQ(plain.count(own), 0u) << "a plain task was given the actor's stream";
}

TEST_P(SimulatedGpu, ALaunchErrorFailsItsTaskOnlyAndItsCpuAndGpuComeBack) {
  hetsched::Runtime rt(config(2, 1));
  auto failing = rt.task([](hetsched::TaskContext& ctx) {
                     sim::Kernel bad;
                     bad.launch_error = cudaErrorInvalidConfiguration;
                     sim::launch(ctx.stream(), bad);
                   })
                     .gpus(1)
                     .name("bad launch")
                     .remote();
  try {
    rt.get(failing);
    ADD_FAILURE() << "a failed launch must fail its task";
  } catch (const hetsched::TaskError& error) {
    EXPECT_EQ(error.task_name(), "bad launch");
    EXPECT_NE(std::string(error.what()).find("cudaErrorInvalidConfiguration"), std::string::npos) << error.what();
  }
  EXPECT_EQ(rt.get(rt.task([](hetsched::TaskContext& ctx) { return ctx.stream() != nullptr; }).gpus(1).remote()),
            true);
  EXPECT_EQ(rt.available_resources().at("CPU"), 2.0);
  EXPECT_EQ(rt.available_resources().at("GPU"), 1.0);
}

/// Devices with room for two replicas of `bytes` under the runtime's 90% cap.
class SimulatedSmallGpu : public SimulatedGpu {
 protected:
  SimulatedSmallGpu() : SimulatedGpu(2 * bytes * 10 / 9 + 64) {}
};

TEST_P(SimulatedSmallGpu, EvictionUnderPressureNeverFreesMemoryThatQueuedCopiesOrKernelsUse) {
  hetsched::Runtime rt(config(4, 1));
  std::vector<hetsched::ObjectRef<hetsched::Buffer<int>>> buffers;
  for (int buffer = 0; buffer < 6; ++buffer) buffers.push_back(rt.put_buffer(iota_vector(elements)));
  for (int pass = 0; pass < 3; ++pass) {
    for (auto& buffer : buffers) rt.task(add_one_kernel(1ms)).gpus(0.5).remote(hetsched::read_write(buffer));
  }
  for (auto& buffer : buffers) {
    std::span<const int> view = rt.get(buffer);
    EXPECT_TRUE(holds_iota_plus(view, 3));
  }
  const hetsched::StoreStats stats = rt.store_stats();
  EXPECT_GT(stats.evictions, 0u);
  EXPECT_GT(stats.write_backs, 0u);
}

TEST_P(SimulatedGpu, AReaderOnTheSecondGpuCopiesFromTheFirstAfterItsWriterFinished) {
  hetsched::Runtime rt(config(4, 2));
  auto ref = rt.put_buffer(iota_vector(elements));
  rt.get(rt.task(add_one_kernel(10ms)).gpus(1).remote(hetsched::read_write(ref)));
  // Hold GPU 0 with an idle actor, so that the reader lands on GPU 1.
  struct Idle {
    int nothing() const { return 0; }
  };
  auto holder = rt.actor<Idle>().gpus(1).remote();
  rt.get(holder.call(&Idle::nothing));
  auto answer = rt.task([](hetsched::TaskContext& ctx, std::span<const int> values) {
                    auto found = std::make_shared<std::atomic<int>>(-1);
                    sim::launch(ctx.stream(), kernel_on(values, [values, found] {
                                  *found = holds_iota_plus(values, 1) ? 1 : 0;
                                  return true;
                                }));
                    EXPECT_EQ(ctx.gpu_ids()[0], 1);
                    return found;
                  })
                    .gpus(1)
                    .remote(hetsched::read(ref));
  EXPECT_EQ(rt.get(answer)->load(), 1);
  EXPECT_EQ(rt.store_stats().bytes_device_to_device, bytes);
}

INSTANTIATE_TEST_SUITE_P(CompletionModes, SimulatedGpu, ::testing::Values("events", "host_functions"));
INSTANTIATE_TEST_SUITE_P(CompletionModes, SimulatedSmallGpu, ::testing::Values("events", "host_functions"));

}  // namespace
}  // namespace hetsched::test
