// PerfModel: task ids, predictions per (task, variant, kind), and concurrent use from executor threads and the
// scheduler.
#include "model/perf_model.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace hetsched::detail {
namespace {

constexpr std::uint64_t mib = std::uint64_t{1} << 20;

TEST(PerfModel, InternGivesEachNameOneDenseId) {
  PerfModel model;
  EXPECT_EQ(model.intern("gemm"), 0u);
  EXPECT_EQ(model.intern("potrf"), 1u);
  EXPECT_EQ(model.intern("gemm"), 0u);
  EXPECT_EQ(model.task_name(1), "potrf");
  EXPECT_EQ(model.task_name(7), "");
}

TEST(PerfModel, KeepsVariantsAndDeviceKindsApartAndCountsSamplesOverEverySize) {
  PerfModel model;
  std::uint32_t gemm = model.intern("gemm");
  for (int run = 0; run < 3; ++run) {
    model.record(gemm, 0, DeviceKind::cpu, mib, 0.010);
    model.record(gemm, 1, DeviceKind::gpu, mib, 0.001);
  }
  model.record(gemm, 1, DeviceKind::gpu, 16 * mib, 0.004);
  Prediction cpu = model.predict(gemm, 0, DeviceKind::cpu, mib);
  Prediction gpu = model.predict(gemm, 1, DeviceKind::gpu, mib);
  EXPECT_DOUBLE_EQ(cpu.seconds, 0.010);
  EXPECT_EQ(cpu.samples, 3u);
  EXPECT_DOUBLE_EQ(gpu.seconds, 0.001);
  EXPECT_EQ(gpu.samples, 4u) << "the samples of the (task, variant, kind), whatever their size";
  EXPECT_EQ(model.predict(gemm, 0, DeviceKind::gpu, mib).samples, 0u);
  EXPECT_LT(model.predict(gemm, 0, DeviceKind::gpu, mib).seconds, 0);
  EXPECT_LT(model.predict(gemm, 2, DeviceKind::cpu, mib).seconds, 0) << "another variant knows nothing";
  EXPECT_LT(model.predict(12345, 0, DeviceKind::cpu, mib).seconds, 0) << "an id never interned";
  model.record(12345, 0, DeviceKind::cpu, mib, 1.0);  // ignored, not a crash
}

TEST(PerfModel, IgnoresTimesThatAreNotRunTimes) {
  PerfModel model;
  std::uint32_t task = model.intern("t");
  model.record(task, 0, DeviceKind::cpu, 64, std::numeric_limits<double>::quiet_NaN());
  model.record(task, 0, DeviceKind::cpu, 64, std::numeric_limits<double>::infinity());
  model.record(task, 0, DeviceKind::cpu, 64, -1.0);
  EXPECT_EQ(model.predict(task, 0, DeviceKind::cpu, 64).samples, 0u);
  model.record(task, 0, DeviceKind::cpu, 64, 0.0);
  Prediction zero = model.predict(task, 0, DeviceKind::cpu, 64);
  EXPECT_EQ(zero.samples, 1u);
  EXPECT_GT(zero.seconds, 0) << "a zero time counts as the shortest measurable, so the log-log fit stays finite";
  model.record(task, 0, DeviceKind::cpu, 1 << 20, 0.5);
  model.record(task, 0, DeviceKind::cpu, 1 << 24, 1.0);
  EXPECT_TRUE(std::isfinite(model.predict(task, 0, DeviceKind::cpu, 1 << 28).seconds));
}

TEST(PerfModel, BandwidthsAreKeptAsSet) {
  PerfModel model;
  EXPECT_FALSE(model.bandwidths().measured);
  Bandwidths links{1e10, 2e10, 3e10, 1e-5, true};
  model.set_bandwidths(links);
  EXPECT_DOUBLE_EQ(model.bandwidths().device_to_host, 2e10);
  EXPECT_TRUE(model.bandwidths().measured);
}

// Executor threads record while the scheduler predicts, another thread interns new tasks (growing the task table
// across chunks) and another saves. Under ThreadSanitizer a missing lock is a report; in any build a lost update
// shows in the final counts.
TEST(PerfModel, RecordPredictInternAndSaveRunConcurrently) {
  PerfModel model;
  std::uint32_t shared = model.intern("shared");
  constexpr std::uint32_t recorders = 4, runs = 3000, new_tasks = 200;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (std::uint32_t thread = 0; thread < recorders; ++thread) {
    threads.emplace_back([&, thread] {
      std::uint32_t own = model.intern("own" + std::to_string(thread));
      for (std::uint32_t run = 0; run < runs; ++run) {
        auto bytes = mib << (run % 4);
        model.record(shared, static_cast<int>(run % 2), DeviceKind::cpu, bytes,
                     1e-3 * static_cast<double>(run % 4 + 1));
        model.record(own, 0, DeviceKind::gpu, bytes, 1e-4);
      }
    });
  }
  threads.emplace_back([&] {
    for (std::uint32_t task = 0; task < new_tasks; ++task) {
      std::uint32_t id = model.intern("new" + std::to_string(task));
      model.record(id, 0, DeviceKind::cpu, 64, 1e-6);
    }
  });
  std::string path = ::testing::TempDir() + "/concurrent_model.json";
  std::thread saver([&] {
    while (!done.load()) {
      model.save(path);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  double checksum = 0;
  while (true) {
    bool finished = model.predict(shared, 0, DeviceKind::cpu, mib).samples +
                        model.predict(shared, 1, DeviceKind::cpu, mib).samples ==
                    recorders * runs;
    for (std::uint32_t id = 0; id < new_tasks + recorders + 1; ++id) {
      checksum += model.predict(id, 0, DeviceKind::cpu, 8 * mib).seconds;
    }
    model.set_bandwidths(model.bandwidths());
    if (finished) break;
  }
  for (auto& thread : threads) thread.join();
  done = true;
  saver.join();
  EXPECT_TRUE(std::isfinite(checksum));
  EXPECT_EQ(model.predict(shared, 0, DeviceKind::cpu, mib).samples, recorders * runs / 2);
  for (std::uint32_t thread = 0; thread < recorders; ++thread) {
    EXPECT_EQ(model.predict(model.intern("own" + std::to_string(thread)), 0, DeviceKind::gpu, mib).samples, runs);
  }
  for (std::uint32_t task = 0; task < new_tasks; ++task) {
    EXPECT_EQ(model.predict(model.intern("new" + std::to_string(task)), 0, DeviceKind::cpu, 64).samples, 1u);
  }
  PerfModel reloaded;
  model.save(path);
  EXPECT_TRUE(reloaded.load(path, [](std::string_view message) { ADD_FAILURE() << message; }));
  EXPECT_EQ(reloaded.predict(reloaded.intern("shared"), 1, DeviceKind::cpu, 2 * mib).samples, recorders * runs / 2);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace hetsched::detail
