// GPU tasks on a real device: what the context gives a body (stream, device), fractional tasks sharing one GPU at the
// same time (proved on the device, without timing), and a failed kernel launch failing its task only.
#include <array>
#include <cstddef>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "gpu_test_support.cuh"

namespace {

using hetsched_gpu_test::contains;
using hetsched_gpu_test::gpu_config;
using hetsched_gpu_test::hang_guard;

/// values[i] = i for a single block.
__global__ void write_indices(int* values, int count) {
  for (int i = static_cast<int>(threadIdx.x); i < count; i += static_cast<int>(blockDim.x)) values[i] = i;
}

/// Announces itself on `started`, then waits until `parties` kernels have (or `limit_ns` passed, so a runtime that
/// does not run them together fails the test instead of hanging it); writes how many it saw started.
__global__ void rendezvous(unsigned int* started, unsigned int parties, unsigned long long limit_ns,
                           unsigned int* seen) {
  atomicAdd(started, 1u);
  const unsigned long long deadline = hetsched_gpu_test::device_clock_ns() + limit_ns;
  unsigned int count = atomicAdd(started, 0u);
  while (count < parties && hetsched_gpu_test::device_clock_ns() < deadline) {
    __nanosleep(1000);
    count = atomicAdd(started, 0u);
  }
  *seen = count;
}

/// What a GPU task's body saw of its context.
struct SeenByBody {
  hetsched::StreamHandle stream = nullptr;
  std::vector<int> gpu_ids;
  int current_device = -1;
};

SeenByBody look_around(hetsched::TaskContext& ctx) {
  SeenByBody seen;
  seen.stream = ctx.stream();
  seen.gpu_ids.assign(ctx.gpu_ids().begin(), ctx.gpu_ids().end());
  if (cudaGetDevice(&seen.current_device) != cudaSuccess) seen.current_device = -2;
  return seen;
}

TEST(GpuTask, RunsWithAStreamAndWithItsAssignedDeviceCurrent) {
  HETSCHED_REQUIRE_GPU();
  // Every GPU of the machine, one task per GPU: where there are several, the tasks land on different devices.
  const int gpu_count = static_cast<int>(hetsched::detect_hardware().gpus.size());
  hetsched::Config config = gpu_config(gpu_count + 2);
  config.num_gpus = gpu_count;
  hetsched::Runtime rt{config};
  std::vector<hetsched::ObjectRef<SeenByBody>> on_gpus;
  for (int task = 0; task < gpu_count; ++task) on_gpus.push_back(rt.task(look_around).gpus(1).remote());
  for (const auto& ref : on_gpus) {
    const SeenByBody& seen = rt.get(ref, hang_guard);
    EXPECT_NE(seen.stream, nullptr) << "a task on a real GPU must get a stream to enqueue its work on";
    ASSERT_EQ(seen.gpu_ids.size(), 1u);
    EXPECT_EQ(seen.current_device, seen.gpu_ids[0]) << "the body's own CUDA calls must land on its device";
  }

  SeenByBody on_cpu = rt.get(rt.task(look_around).remote(), hang_guard);
  EXPECT_EQ(on_cpu.stream, nullptr);
  EXPECT_TRUE(on_cpu.gpu_ids.empty());
}

/// Runs four gpus(0.25) tasks (with `cpus` CPUs each, the default when unset) whose kernels each wait, on the device,
/// until all four have started, and checks they met and ran on different streams.
void expect_four_quarter_gpu_kernels_to_meet(hetsched::Runtime& rt, std::optional<double> cpus) {
  constexpr unsigned int parties = 4;
  constexpr unsigned long long spin_limit_ns = 10'000'000'000ULL;  // 10 s: a failure, never a hang
  // Device memory made before the tasks, and the kernel loaded before they run: an allocation (or a lazy module
  // load) while the kernels spin could wait for them, and they would wait for it.
  hetsched_gpu_test::DeviceArray<unsigned int> started(1);
  hetsched_gpu_test::DeviceArray<unsigned int> seen(parties);
  rendezvous<<<1, 1>>>(started.data(), 1, spin_limit_ns, seen.data());
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  ASSERT_EQ(cudaMemset(started.data(), 0, sizeof(unsigned int)), cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);

  std::array<hetsched::StreamHandle, parties> streams{};
  std::vector<hetsched::ObjectRef<void>> done;
  for (unsigned int task = 0; task < parties; ++task) {
    auto builder = rt.task([&streams, &started, &seen, task](hetsched::TaskContext& ctx) {
                       streams[task] = ctx.stream();
                       rendezvous<<<1, 1, 0, ctx.stream()>>>(started.data(), parties, spin_limit_ns,
                                                              seen.data() + task);
                     })
                       .gpus(0.25)
                       .name("quarter " + std::to_string(task));
    if (cpus) builder.cpus(*cpus);
    done.push_back(builder.remote());
  }
  for (auto& task_done : done) rt.get(task_done, hang_guard);
  std::array<unsigned int, parties> counts{};
  ASSERT_EQ(cudaMemcpy(counts.data(), seen.data(), sizeof(counts), cudaMemcpyDeviceToHost), cudaSuccess);
  for (unsigned int task = 0; task < parties; ++task) {
    EXPECT_EQ(counts[task], parties) << "the kernel of task " << task << " saw only " << counts[task] << " of "
                                     << parties
                                     << " kernels started within 10 s: the four tasks did not run at the same time";
  }
  std::set<hetsched::StreamHandle> distinct(streams.begin(), streams.end());
  EXPECT_EQ(distinct.count(nullptr), 0u) << "every task on a real GPU gets a stream";
  EXPECT_EQ(distinct.size(), parties) << "tasks in flight together must be given different streams";
}

TEST(GpuTask, FourQuarterGpuTasksRunTheirKernelsAtTheSameTimeOnDifferentStreams) {
  HETSCHED_REQUIRE_GPU();
  hetsched::Runtime rt{gpu_config()};
  expect_four_quarter_gpu_kernels_to_meet(rt, 0.0);
}

TEST(GpuTask, AGpuTaskGivesItsCpuBackWhenItsBodyReturnsNotWhenItsKernelsFinish) {
  HETSCHED_REQUIRE_GPU();
  // One CPU and the default cpus(1): the four kernels can only meet if each task's CPU is free again once its body
  // has launched, while its kernel still spins.
  hetsched::Runtime rt{gpu_config(1)};
  expect_four_quarter_gpu_kernels_to_meet(rt, std::nullopt);
  EXPECT_EQ(rt.available_resources().at("CPU"), 1.0) << "the early return must not give the CPU back twice";
}

/// A GPU actor that reports the stream each of its calls ran on.
struct StreamReporter {
  hetsched::StreamHandle constructed_on = nullptr;
  explicit StreamReporter(hetsched::TaskContext& ctx) : constructed_on(ctx.stream()) {}
  hetsched::StreamHandle where(hetsched::TaskContext& ctx) const { return ctx.stream(); }
  hetsched::StreamHandle constructor_stream() const { return constructed_on; }
};

TEST(GpuTask, AGpuActorRunsOnAStreamOfItsOwnThatNoOtherTaskIsGiven) {
  HETSCHED_REQUIRE_GPU();
  hetsched::Runtime rt{gpu_config()};
  auto actor = rt.actor<StreamReporter>().gpus(0.5).remote();
  const hetsched::StreamHandle own = rt.get(actor.call(&StreamReporter::constructor_stream), hang_guard);
  ASSERT_NE(own, nullptr);
  for (int call = 0; call < 4; ++call) {
    EXPECT_EQ(rt.get(actor.call(&StreamReporter::where), hang_guard), own) << "every call runs on the actor's stream";
  }
  // More tasks than the pool has streams: with a shared stream, one of them would land on the actor's.
  for (int task = 0; task < 20; ++task) {
    auto stream = rt.get(rt.task([](hetsched::TaskContext& ctx) { return ctx.stream(); }).gpus(0.25).remote(),
                         hang_guard);
    EXPECT_NE(stream, own) << "plain task " << task << " was given the actor's stream";
  }
}

TEST(GpuTask, AnInvalidLaunchConfigurationFailsThatTaskAndTheRuntimeGoesOn) {
  HETSCHED_REQUIRE_GPU();
  hetsched::Runtime rt{gpu_config()};
  auto bad = rt.task([](hetsched::TaskContext& ctx) {
                 write_indices<<<1, 4096, 0, ctx.stream()>>>(nullptr, 0);  // at most 1024 threads per block
               })
                 .gpus(1)
                 .name("too many threads")
                 .remote();
  try {
    rt.get(bad, hang_guard);
    ADD_FAILURE() << "a launch of 4096 threads per block must fail its task";
  } catch (const hetsched::TaskError& error) {
    EXPECT_EQ(error.task_name(), "too many threads");
    EXPECT_TRUE(contains(error.what(), "cudaErrorInvalidConfiguration")) << error.what();
  }

  // The error was the task's own: the device, the stream pool and the store still work.
  constexpr int count = 1000;
  auto good = rt.task([](hetsched::TaskContext& ctx) {
                  hetsched::Buffer<int> out = ctx.alloc<int>(count);
                  write_indices<<<1, 256, 0, ctx.stream()>>>(out.data(), count);
                  return out;
                })
                  .gpus(1)
                  .name("good launch")
                  .remote();
  std::vector<int> values = rt.get(std::move(good), hang_guard);
  ASSERT_EQ(values.size(), static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) ASSERT_EQ(values[static_cast<std::size_t>(i)], i) << "at " << i;
  EXPECT_EQ(rt.get(rt.task([] { return 42; }).remote(), hang_guard), 42);
}

}  // namespace
