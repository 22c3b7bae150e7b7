// The advisor's check for GPU work launched off the task's stream, through the real cuda/ layer on the simulated
// CUDA runtime (tests/sim_cuda): a body whose kernel goes to the default stream is reported once, a body whose
// kernel goes to ctx.stream() never. On real hardware the same queries run (cuda/gpu_streams.cpp, stream_facts).
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include <hetsched/hetsched.hpp>
#include <sim_cuda/control.hpp>

namespace hetsched::test {
namespace {

using namespace std::chrono_literals;

class AdviceOnSimulatedGpu : public ::testing::Test {
 protected:
  AdviceOnSimulatedGpu() { sim::reset(1); }
  ~AdviceOnSimulatedGpu() override {
    for (const std::string& line : sim::take_violations()) ADD_FAILURE() << line;
  }

  hetsched::Config config() {
    hetsched::Config config;
    config.num_cpus = 2;
    config.num_gpus = 1;
    config.read_environment = false;
    config.advice = [this](const hetsched::Advice& advice) {
      std::lock_guard lock(mutex_);
      kinds_.push_back(advice.kind);
    };
    return config;
  }
  std::vector<hetsched::AdviceKind> kinds() {
    std::lock_guard lock(mutex_);
    return kinds_;
  }

 private:
  std::mutex mutex_;
  std::vector<hetsched::AdviceKind> kinds_;
};

TEST_F(AdviceOnSimulatedGpu, KernelsOnTheDefaultStreamAreReportedOnce) {
  {
    hetsched::Runtime rt(config());
    for (int i = 0; i < 4; ++i) {
      rt.get(rt.task([](hetsched::TaskContext&) { sim::launch(nullptr, sim::after(20ms)); }).gpus(1).remote());
      cudaDeviceSynchronize();  // the program's own wait for its default-stream work
    }
  }
  EXPECT_EQ(kinds(), std::vector<hetsched::AdviceKind>{hetsched::AdviceKind::gpu_task_off_its_stream});
}

TEST_F(AdviceOnSimulatedGpu, KernelsOnTheTasksStreamAreNotReported) {
  {
    hetsched::Runtime rt(config());
    for (int i = 0; i < 4; ++i) {
      rt.get(rt.task([](hetsched::TaskContext& ctx) { sim::launch(ctx.stream(), sim::after(20ms)); }).gpus(1).remote());
    }
  }
  EXPECT_TRUE(kinds().empty());
}

}  // namespace
}  // namespace hetsched::test
