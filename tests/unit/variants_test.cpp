// Tasks with a CPU and a GPU body (hetsched::variants): which body runs, what it sees, and what happens when one of
// them can never run. Logical GPUs run the GPU body on the host, so all of it is checked without a GPU.
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

using hetsched::Variant;
using hetsched_test::Gate;
using hetsched_test::make_config;

/// What a body saw of itself.
struct Seen {
  Variant variant = Variant::cpu;
  std::vector<int> gpus;
  bool null_stream = false;
  double cpus = -1;
  int value = 0;
  friend bool operator==(const Seen&, const Seen&) = default;
};

/// Bodies that report what they saw, doubling `x` each in their own way.
auto reporting_bodies() {
  auto report = [](hetsched::TaskContext& ctx, int value) {
    return Seen{ctx.variant(), {ctx.gpu_ids().begin(), ctx.gpu_ids().end()}, ctx.stream() == nullptr, ctx.cpus(), value};
  };
  return hetsched::variants([report](hetsched::TaskContext& ctx, int x) { return report(ctx, 2 * x); },
                            [report](hetsched::TaskContext& ctx, int x) { return report(ctx, x + x); });
}

/// A body that opens `taken` when it starts and returns when `release` opens (true) or at the hang guard (false).
auto holding(Gate& taken, Gate& release) {
  return [&taken, &release] {
    taken.open();
    return release.wait();
  };
}

TEST(Variants, TheGpuBodyRunsWhenAGpuIsFreeAndSeesItsDevice) {
  hetsched::Runtime rt{make_config(2, 2)};
  Seen seen = rt.get(rt.task(reporting_bodies()).gpus(0.5).remote(21));
  EXPECT_EQ(seen.variant, Variant::gpu);
  EXPECT_EQ(seen.gpus.size(), 1u);
  EXPECT_TRUE(seen.null_stream) << "a logical GPU has no stream";
  EXPECT_EQ(seen.cpus, 0.0) << "the GPU body holds no CPU";
  EXPECT_EQ(seen.value, 42);
}

TEST(Variants, TheCpuBodyRunsWhileEveryGpuIsTaken) {
  hetsched::Runtime rt{make_config(2, 1)};
  Gate release;
  Gate started;
  auto blocker = rt.task(holding(started, release)).cpus(0).gpus(1).remote();
  ASSERT_TRUE(started.wait());
  Seen seen = rt.get(rt.task(reporting_bodies()).cpus(1).remote(5));
  EXPECT_EQ(seen.variant, Variant::cpu);
  EXPECT_TRUE(seen.gpus.empty());
  EXPECT_EQ(seen.cpus, 1.0);
  EXPECT_EQ(seen.value, 10);
  release.open();
  EXPECT_TRUE(rt.get(blocker));
  EXPECT_EQ(rt.get(rt.task(reporting_bodies()).remote(5)).variant, Variant::gpu) << "the GPU is free again";
}

TEST(Variants, BothBodiesWaitWhenNeitherFitsAndTheFirstResourceFreedRunsIt) {
  hetsched::Runtime rt{make_config(1, 1)};
  Gate release_gpu;
  Gate gpu_taken;
  auto gpu_blocker = rt.task(holding(gpu_taken, release_gpu)).cpus(0).gpus(1).remote();
  Gate release_cpu;
  Gate cpu_taken;
  auto cpu_blocker = rt.task(holding(cpu_taken, release_cpu)).remote();
  ASSERT_TRUE(gpu_taken.wait());
  ASSERT_TRUE(cpu_taken.wait());
  auto waiting = rt.task(reporting_bodies()).remote(1);
  EXPECT_EQ(rt.wait(std::vector{waiting}, 1, std::chrono::milliseconds(50)).ready.size(), 0u) << "nothing is free";
  release_cpu.open();
  EXPECT_EQ(rt.get(waiting).variant, Variant::cpu);
  release_gpu.open();
  EXPECT_TRUE(rt.get(gpu_blocker));
  EXPECT_TRUE(rt.get(cpu_blocker));
}

TEST(Variants, BodiesShareTheirBuffersAndResultType) {
  hetsched::Runtime rt{make_config(2, 1)};
  auto data = rt.put_buffer(std::vector<int>{1, 2, 3});
  auto fill = hetsched::variants(
      [](std::span<int> values) {
        for (int& v : values) v *= 10;
        return std::string("cpu");
      },
      [](std::span<int> values) {
        for (int& v : values) v *= 100;
        return std::string("gpu");
      });
  std::string which = rt.get(rt.task(fill).remote(hetsched::read_write(data)));
  EXPECT_EQ(which, "gpu");
  std::span<const int> result = rt.get(data);
  EXPECT_EQ(std::vector<int>(result.begin(), result.end()), (std::vector<int>{100, 200, 300}));
}

TEST(Variants, AGpuBodyThatCanNeverRunIsDroppedWithOneWarning) {
  hetsched::Runtime rt{make_config(2, 0)};
  testing::internal::CaptureStderr();
  Seen first = rt.get(rt.task(reporting_bodies()).name("scale").remote(1));
  Seen second = rt.get(rt.task(reporting_bodies()).name("scale").remote(2));
  std::string warnings = testing::internal::GetCapturedStderr();
  EXPECT_EQ(first.variant, Variant::cpu);
  EXPECT_EQ(second.variant, Variant::cpu);
  EXPECT_NE(warnings.find("task 'scale': its GPU body can never run here"), std::string::npos) << warnings;
  EXPECT_EQ(warnings.find("scale", warnings.find("scale") + 60), std::string::npos) << "once, not per call: " << warnings;
}

TEST(Variants, ACpuBodyThatCanNeverRunLeavesTheGpuBody) {
  hetsched::Runtime rt{make_config(2, 1)};
  testing::internal::CaptureStderr();
  Seen seen = rt.get(rt.task(reporting_bodies()).cpus(8).name("wide").remote(3));
  std::string warnings = testing::internal::GetCapturedStderr();
  EXPECT_EQ(seen.variant, Variant::gpu);
  EXPECT_NE(warnings.find("its CPU body can never run here"), std::string::npos) << warnings;
}

TEST(Variants, ATaskNeitherOfWhoseBodiesCanEverRunIsAResourceErrorAtSubmission) {
  hetsched::Runtime rt{make_config(2, 1)};
  try {
    rt.task(reporting_bodies()).cpus(8).gpus(2).name("impossible").remote(1);
    FAIL() << "no body of this task can ever run";
  } catch (const hetsched::ResourceError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("neither of its bodies"), std::string::npos) << message;
    EXPECT_NE(message.find("CPU"), std::string::npos) << message;
    EXPECT_NE(message.find("GPU"), std::string::npos) << message;
  }
}

TEST(Variants, APlainTaskSaysWhichKindOfBodyItIs) {
  hetsched::Runtime rt{make_config(2, 1)};
  auto kind = [](hetsched::TaskContext& ctx) { return ctx.variant(); };
  EXPECT_EQ(rt.get(rt.task(kind).remote()), Variant::cpu);
  EXPECT_EQ(rt.get(rt.task(kind).gpus(0.5).remote()), Variant::gpu);
}

}  // namespace
