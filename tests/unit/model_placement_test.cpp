// The `model` policy on the real runtime: it measures each body of a variants() task, learns which is faster, puts
// most of the work there and spills onto the other when that is full; its models survive in the model file. The
// bodies sleep for their run times on logical GPUs, so the choice is checked without a GPU. Only the decisions are
// checked: no timing threshold.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

using hetsched::Variant;
using hetsched_test::make_config;
using namespace std::chrono_literals;

/// A config for `model` with two CPUs and one logical GPU, its models kept at `path` (none when empty).
hetsched::Config model_config(const std::string& path = "") {
  hetsched::Config config = make_config(2, 1);
  config.placement_policy = "model";
  if (!path.empty()) config.perf_model_path = path;
  return config;
}

/// A body that takes 10 ms on a CPU and 1 ms on the GPU, and says which ran.
auto ten_times_faster_on_the_gpu() {
  return hetsched::variants(
      [](hetsched::TaskContext& ctx) {
        std::this_thread::sleep_for(10ms);
        return ctx.variant();
      },
      [](hetsched::TaskContext& ctx) {
        std::this_thread::sleep_for(1ms);
        return ctx.variant();
      });
}

/// A fresh path for a model file in the temp directory (removed first).
std::string temp_model_path(const std::string& name) {
  auto path = std::filesystem::temp_directory_path() / ("hetsched_test_" + name + "_" + std::to_string(::getpid()) + ".json");
  std::filesystem::remove(path);
  return path.string();
}

/// Runs `count` tasks one after another (each waited for) and returns which body each ran.
std::vector<Variant> run_one_by_one(hetsched::Runtime& rt, int count) {
  std::vector<Variant> ran;
  auto task = rt.task(ten_times_faster_on_the_gpu()).gpus(1).name("sleepy");
  for (int i = 0; i < count; ++i) ran.push_back(rt.get(task.remote()));
  return ran;
}

TEST(ModelPlacement, CalibratesBothBodiesThenRunsTheFasterOne) {
  hetsched::Runtime rt{model_config()};
  std::vector<Variant> ran = run_one_by_one(rt, 10);
  const auto first_six = std::vector<Variant>(ran.begin(), ran.begin() + 6);
  EXPECT_EQ(std::count(first_six.begin(), first_six.end(), Variant::cpu), 3) << "three runs of each body first";
  for (std::size_t i = 6; i < ran.size(); ++i) EXPECT_EQ(ran[i], Variant::gpu) << "call " << i;
}

TEST(ModelPlacement, PutsMostWorkOnTheFasterGpuBodyAndTheRestOnCpusWhileTheGpuIsFull) {
  hetsched::Runtime rt{model_config()};
  run_one_by_one(rt, 6);  // calibrated
  auto task = rt.task(ten_times_faster_on_the_gpu()).gpus(1).name("sleepy");
  std::vector<hetsched::ObjectRef<Variant>> refs;
  for (int i = 0; i < 120; ++i) refs.push_back(task.remote());
  std::vector<Variant> ran = rt.get(refs);
  const auto on_cpus = std::count(ran.begin(), ran.end(), Variant::cpu);
  const auto on_gpu = std::count(ran.begin(), ran.end(), Variant::gpu);
  std::printf("120 tasks: %td on the GPU body, %td on the CPU body\n", on_gpu, on_cpus);
  EXPECT_GT(on_gpu, on_cpus) << "the GPU body is ten times faster";
  EXPECT_GT(on_cpus, 0) << "with 120 queued, the CPUs should take some rather than idle";
}

TEST(ModelPlacement, AGpuStaysPredictedBusyWhileItsTasksInputsAreCopiedThere) {
  // Links of 1 MB/s from the model file: a task reading 100 kB of host data keeps its GPU busy for 0.1 s of copies
  // as far as the models know, though its run takes 1 ms (the real memcpy is instant).
  const std::string path = temp_model_path("slow_links");
  std::ofstream(path) << R"({"format": "hetsched-perf-model", "version": 1, "bandwidths": {"host_to_device": 1e6,
      "device_to_host": 1e6, "device_to_device": 1e6, "latency_s": 0, "measured": true}, "tasks": []})";
  hetsched::Runtime rt{model_config(path)};
  hetsched_test::Gate entered, release;
  auto reader = rt.task([](std::span<const char>, hetsched_test::Gate* started, hetsched_test::Gate* go) {
                    if (started) started->open();
                    if (go) go->wait();
                    std::this_thread::sleep_for(1ms);
                    return 0;
                  })
                    .gpus(1)
                    .name("reader");
  auto choice = rt.task(hetsched::variants(
                            [](hetsched::TaskContext& ctx) {
                              std::this_thread::sleep_for(20ms);
                              return ctx.variant();
                            },
                            [](hetsched::TaskContext& ctx) {
                              std::this_thread::sleep_for(1ms);
                              return ctx.variant();
                            }))
                    .gpus(1)
                    .name("choice");
  auto calibration_input = rt.put_buffer(std::vector<char>(100'000));
  for (int i = 0; i < 3; ++i) rt.get(reader.remote(hetsched::read(calibration_input), nullptr, nullptr));
  for (int i = 0; i < 6; ++i) rt.get(choice.remote());  // both bodies measured: the GPU one is 20 times faster
  auto fresh_input = rt.put_buffer(std::vector<char>(100'000));  // on the host only: 0.1 s to copy, says the model
  auto held = reader.remote(hetsched::read(fresh_input), &entered, &release);
  ASSERT_TRUE(entered.wait());
  // The GPU's run is predicted to end 1 ms after it started, but its copies were predicted to take 0.1 s first: a
  // free CPU finishes this one (20 ms) before the GPU would.
  std::promise<void> decided_promise;
  std::thread opener([&, decided_future = decided_promise.get_future()] {
    decided_future.wait_for(2s);  // were it to wait for the GPU instead, release the GPU so that it can run there
    release.open();
  });
  auto decided = choice.remote();
  EXPECT_EQ(rt.get(decided), Variant::cpu);
  decided_promise.set_value();
  opener.join();
  rt.get(held);
  std::filesystem::remove(path);
}

TEST(ModelPlacement, ASecondRunStartsCalibratedFromTheModelFile) {
  const std::string path = temp_model_path("round_trip");
  {
    hetsched::Runtime rt{model_config(path)};
    run_one_by_one(rt, 6);
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << "the models are saved at shutdown";
  hetsched::Runtime rt{model_config(path)};
  for (Variant ran : run_one_by_one(rt, 4)) EXPECT_EQ(ran, Variant::gpu) << "no calibration runs on the CPU";
  std::filesystem::remove(path);
}

TEST(ModelPlacement, ACorruptModelFileIsIgnoredWithOneWarningAndRewritten) {
  const std::string path = temp_model_path("corrupt");
  std::ofstream(path) << "{\"version\": 1, \"tasks\": [tru";
  testing::internal::CaptureStderr();
  {
    hetsched::Runtime rt{model_config(path)};
    std::vector<Variant> ran = run_one_by_one(rt, 6);
    EXPECT_EQ(std::count(ran.begin(), ran.end(), Variant::cpu), 3) << "nothing was trusted: calibration again";
  }
  std::string warnings = testing::internal::GetCapturedStderr();
  EXPECT_NE(warnings.find(path), std::string::npos) << warnings;
  // One warning; the advisor may add its report on running the tasks one by one, which is no warning.
  std::size_t warning_count = 0;
  for (auto at = warnings.find("hetsched: warning:"); at != std::string::npos;
       at = warnings.find("hetsched: warning:", at + 1)) {
    ++warning_count;
  }
  EXPECT_EQ(warning_count, 1u) << warnings;
  hetsched::Runtime rt{model_config(path)};
  for (Variant ran : run_one_by_one(rt, 3)) EXPECT_EQ(ran, Variant::gpu) << "the file was rewritten whole";
  std::filesystem::remove(path);
}

}  // namespace
