// --machine detected's real runs: every task of a graph runs once on the runtime, on a body it has, after the tasks
// its buffers make it wait for; and graphs it cannot run are clear errors. Behaviour only: no timing is checked.
#include <gtest/gtest.h>

#include <string>

#include "detected_machine.hpp"
#include "graph_builder.hpp"
#include "hetsched/error.hpp"
#include "hetsched/runtime.hpp"
#include "real_run.hpp"
#include "task_times.hpp"
#include "workloads/workloads.hpp"

namespace hetsched::bench {
namespace {

Config two_cpus_two_logical_gpus() {
  Config config;
  config.num_cpus = 2;
  config.num_gpus = 2;
  config.advice = nullptr;
  config.read_environment = false;
  return config;
}

/// Every task ran exactly once, on a body it has, and started after each task it depends on had finished.
void expect_complete_and_ordered(const TaskGraph& graph, const TaskTimes& times, const RealRun& real) {
  EXPECT_EQ(real.tasks_ran, graph.size());
  EXPECT_EQ(real.schedule.cpu_tasks + real.schedule.gpu_tasks, graph.size());
  for (std::uint32_t t = 0; t < graph.size(); ++t) {
    const TaskRun& run = real.schedule.runs[t];
    EXPECT_GE(run.end_s, run.start_s) << graph.task_name(t);
    if (run.gpu < 0) EXPECT_GE(times.cpu_s[t], 0) << graph.task_name(t) << " ran a CPU body it does not have";
    else EXPECT_GE(times.gpu_s[t], 0) << graph.task_name(t) << " ran a GPU body it does not have";
    for (std::uint32_t i = graph.successor_offsets[t]; i < graph.successor_offsets[t + 1]; ++i) {
      const std::uint32_t next = graph.successors[i];
      EXPECT_LE(run.end_s, real.schedule.runs[next].start_s)
          << graph.task_name(next) << " started before " << graph.task_name(t) << " had finished";
    }
  }
}

TEST(DetectedRun, EveryTaskOfASmallCholeskyRunsOnceAfterItsInputsUnderEveryPolicy) {
  WorkloadOptions options;
  options.tiles = 4;
  options.tile_size = 64;  // kernels of tens of microseconds
  const TaskGraph graph = cholesky_workload(options);
  DetectedSpec spec = parse_detected("detected,cpus=2,gpus=2");
  spec.config = two_cpus_two_logical_gpus();
  Runtime runtime{spec.config};
  const Machine model = detected_model(spec, runtime);
  EXPECT_EQ(model.cpus, 2);
  EXPECT_EQ(model.gpus, 2);
  const TaskTimes times = resolve_task_times(graph, model);
  for (const char* policy : {"pack", "spread", "locality", "model", "dmdas", "random:3"}) {
    SCOPED_TRACE(policy);
    expect_complete_and_ordered(graph, times, run_for_real(graph, times, runtime, policy));
  }
}

TEST(DetectedRun, TasksWithOnlyOneBodyAndEveryBufferShapeRunThere) {
  GraphBuilder builder;
  const std::uint32_t cpu_only = builder.kind("cpu_only");
  const std::uint32_t gpu_only = builder.kind("gpu_only");
  const std::uint32_t both = builder.kind("both");
  std::vector<std::uint32_t> buffers;
  for (int i = 0; i < 6; ++i) buffers.push_back(builder.buffer(4096));
  builder.task({cpu_only, 0, 0, 1e-4, -1}, {{buffers[0], Access::write}});
  builder.task({gpu_only, 0, 0, -1, 1e-4}, {{buffers[0], Access::read}, {buffers[1], Access::write}});
  builder.task({both, 2, 0, 1e-4, 1e-4},
               {{buffers[0], Access::read}, {buffers[1], Access::read}, {buffers[2], Access::read},
                {buffers[3], Access::read}, {buffers[4], Access::read_write}, {buffers[5], Access::write}});
  builder.task({cpu_only, 0, 0, 1e-4, -1}, {});
  builder.task({gpu_only, 0, 0, -1, 1e-4}, {{buffers[5], Access::read_write}});
  const TaskGraph graph = std::move(builder).build();
  Runtime runtime{two_cpus_two_logical_gpus()};
  TaskTimes times;
  for (const GraphTask& task : graph.tasks) {
    times.cpu_s.push_back(task.cpu_s);
    times.gpu_s.push_back(task.gpu_s);
  }
  const RealRun real = run_for_real(graph, times, runtime, "pack");
  expect_complete_and_ordered(graph, times, real);
  EXPECT_EQ(real.schedule.runs[0].gpu, -1);
  EXPECT_GE(real.schedule.runs[1].gpu, 0);
  EXPECT_GE(real.schedule.runs[4].gpu, 0);
  EXPECT_GT(real.schedule.total_bytes(), 0u);  // the GPU-only task read what the CPU wrote: a copy to its GPU
}

/// The UsageError message check_runnable gives `graph`, or "runnable".
std::string runnable_error(const TaskGraph& graph) {
  try {
    check_runnable(graph);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "runnable";
}

TEST(DetectedRun, AGraphItCannotRunIsAnErrorSayingWhatToChange) {
  GraphBuilder explicit_dependency;
  const std::uint32_t kind = explicit_dependency.kind("k");
  explicit_dependency.task({kind, 0, 0, 1e-4, -1}, {});
  explicit_dependency.task({kind, 0, 0, 1e-4, -1}, {});
  explicit_dependency.depend(0, 1);
  const std::string dependency = runnable_error(std::move(explicit_dependency).build());
  EXPECT_NE(dependency.find("\"deps\"; replace each by a buffer"), std::string::npos) << dependency;

  WorkloadOptions options;
  options.fan_in = 8;
  options.width = 16;
  options.depth = 4;
  const std::string fan_in = runnable_error(random_workload(options));
  EXPECT_NE(fan_in.find("lower --fan-in"), std::string::npos) << fan_in;
  options.fan_in = 4;
  EXPECT_EQ(runnable_error(random_workload(options)), "runnable");
}

TEST(DetectedRun, TheSpecTakesTimingsAndCountsAndRejectsWhatDoesNotApply) {
  const DetectedSpec spec = parse_detected("detected,cpus=3,gpus=1,gpu_mem=1GiB,timings=h200x8");
  EXPECT_EQ(spec.config.num_cpus, 3);
  EXPECT_EQ(spec.config.num_gpus, 1);
  EXPECT_EQ(spec.config.logical_gpu_memory, std::size_t{1} << 30);
  EXPECT_FALSE(spec.links_given);
  EXPECT_TRUE(spec.model.kernels.contains("gemm"));
  EXPECT_FALSE(parse_detected("detected").config.num_cpus.has_value());  // the runtime's detection decides
  EXPECT_TRUE(parse_detected("detected,h2d=1GB/s").links_given);
  EXPECT_THROW(parse_detected("detected,cpu_gflops=10"), UsageError);
  EXPECT_THROW(parse_detected("detected,cpus"), UsageError);
  EXPECT_THROW(parse_detected("detected,timings=nowhere"), UsageError);
  EXPECT_TRUE(is_detected_spec("detected,gpus=2"));
  EXPECT_FALSE(is_detected_spec("mirage,gpus=2"));
}

TEST(DetectedRun, LinksFromCopiesAreTheBytesOverTheTimeOfEachKindBetweenTwoSnapshots) {
  StoreStats before;
  before.bytes_host_to_device = 1000;
  before.copy_seconds_host_to_device = 1.0;
  before.bytes_device_to_device = 50;
  before.copy_seconds_device_to_device = 0.5;
  StoreStats after = before;
  after.bytes_host_to_device += 3'000'000'000;  // 3 GB in 2 s
  after.copy_seconds_host_to_device += 2.0;
  after.bytes_device_to_host = 500'000'000;  // 0.5 GB in 0.25 s
  after.copy_seconds_device_to_host = 0.25;
  const detail::Bandwidths fallback{7e9, 8e9, 9e9, 1e-5, true};
  const detail::Bandwidths links = links_from_copies(before, after, fallback);
  EXPECT_DOUBLE_EQ(links.host_to_device, 1.5e9);
  EXPECT_DOUBLE_EQ(links.device_to_host, 2e9);
  EXPECT_EQ(links.device_to_device, 9e9) << "no device-to-device copy between the snapshots: the fallback";
  EXPECT_EQ(links.latency_s, 0.0);
}

TEST(DetectedRun, LinksFromARunOnLogicalGpusAreMeasuredFromItsCopies) {
  WorkloadOptions options;
  options.tiles = 4;
  options.tile_size = 64;
  const TaskGraph graph = cholesky_workload(options);
  DetectedSpec spec = parse_detected("detected,cpus=2,gpus=2");
  spec.config = two_cpus_two_logical_gpus();
  Runtime runtime{spec.config};
  const Machine model = detected_model(spec, runtime);
  const TaskTimes times = resolve_task_times(graph, model);
  const StoreStats before = runtime.store_stats();
  run_for_real(graph, times, runtime, "spread");
  const StoreStats after = runtime.store_stats();
  ASSERT_GT(after.bytes_host_to_device, before.bytes_host_to_device);
  const detail::Bandwidths links = links_from_copies(before, after, {});
  EXPECT_GT(links.host_to_device, 0.0);
  EXPECT_DOUBLE_EQ(links.host_to_device,
                   static_cast<double>(after.bytes_host_to_device - before.bytes_host_to_device) /
                       (after.copy_seconds_host_to_device - before.copy_seconds_host_to_device));
}

}  // namespace
}  // namespace hetsched::bench
