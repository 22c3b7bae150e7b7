// Replays small enough to compute by hand: every time and byte below follows from the machine's figures.
#include <gtest/gtest.h>

#include <string>

#include "graph_builder.hpp"
#include "machine.hpp"
#include "scheduler/policy.hpp"
#include "simulator.hpp"
#include "task_times.hpp"

namespace hetsched::bench {
namespace {

/// One core, one GPU, 1 GB/s each way, 1 ms per copy.
Machine one_core_one_gpu() { return parse_machine("cpus=1,gpus=1,h2d=1GB/s,d2h=1GB/s,d2d=0GB/s,latency=1ms"); }

/// A (CPU, 1 s) writes X (100 MB); B (GPU, 2 s) reads X; C (CPU, 0.5 s) is independent of both.
TaskGraph three_tasks() {
  GraphBuilder graph;
  const std::uint32_t x = graph.buffer(100'000'000);
  graph.task({graph.kind("a"), 0, 0, 1.0, -1}, {{x, Access::write}});
  graph.task({graph.kind("b"), 0, 0, -1, 2.0}, {{x, Access::read}});
  graph.task({graph.kind("c"), 0, 0, 0.5, -1}, {});
  return std::move(graph).build();
}

TEST(HandSchedule, ThreeTasksTwoDevicesOneTransferMatchesTheHandComputedTimes) {
  const Machine machine = one_core_one_gpu();
  const TaskGraph graph = three_tasks();
  const TaskTimes times = resolve_task_times(graph, machine);
  for (const char* name : {"pack", "spread", "locality", "model", "random"}) {
    SCOPED_TRACE(name);
    const Schedule schedule = replay(graph, times, machine, *detail::make_policy(name));
    // A runs first on the core (it arrived first); C waits for the core; B waits for A, then for X's copy.
    EXPECT_DOUBLE_EQ(schedule.runs[0].start_s, 0.0);
    EXPECT_DOUBLE_EQ(schedule.runs[0].end_s, 1.0);
    EXPECT_DOUBLE_EQ(schedule.runs[2].start_s, 1.0);
    EXPECT_DOUBLE_EQ(schedule.runs[2].end_s, 1.5);
    EXPECT_EQ(schedule.runs[1].gpu, 0);
    EXPECT_DOUBLE_EQ(schedule.runs[1].placed_s, 1.0);
    EXPECT_DOUBLE_EQ(schedule.runs[1].start_s, 1.0 + 0.001 + 0.1);  // latency + 100 MB at 1 GB/s
    EXPECT_DOUBLE_EQ(schedule.makespan_s, 3.101);
    ASSERT_EQ(schedule.transfers.size(), 1u);
    EXPECT_EQ(schedule.transfers[0].from_node, -1);
    EXPECT_EQ(schedule.transfers[0].to_node, 0);
    EXPECT_EQ(schedule.bytes_moved[static_cast<int>(LinkKind::h2d)], 100'000'000u);
    EXPECT_EQ(schedule.total_bytes(), 100'000'000u);
    EXPECT_EQ(schedule.cpu_tasks, 2u);
    EXPECT_EQ(schedule.gpu_tasks, 1u);
  }
}

TEST(HandSchedule, ModelPolicyPutsATaskWhereItFinishesFirstCountingItsTransfer) {
  // One task, 1 GB input on the host: CPU 1.5 s, GPU 0.2 s + 1.001 s copy = 1.201 s: the GPU wins.
  // With a 2 GB input the GPU costs 2.201 s and the CPU wins.
  for (std::uint64_t bytes : {1'000'000'000ULL, 2'000'000'000ULL}) {
    GraphBuilder graph;
    const std::uint32_t x = graph.buffer(bytes);
    graph.task({graph.kind("k"), 0, 0, 1.5, 0.2}, {{x, Access::read}});
    const TaskGraph built = std::move(graph).build();
    const Machine machine = one_core_one_gpu();
    const Schedule schedule = replay(built, resolve_task_times(built, machine), machine, *detail::make_policy("model"));
    if (bytes == 1'000'000'000ULL) {
      EXPECT_EQ(schedule.runs[0].gpu, 0);
      EXPECT_DOUBLE_EQ(schedule.makespan_s, 1.201);
    } else {
      EXPECT_EQ(schedule.runs[0].gpu, -1);
      EXPECT_DOUBLE_EQ(schedule.makespan_s, 1.5);
      EXPECT_EQ(schedule.total_bytes(), 0u);
    }
  }
}

TEST(HandSchedule, AWriteOnAGpuInvalidatesTheHostCopySoTheNextCpuReaderCopiesItBack) {
  GraphBuilder graph;
  const std::uint32_t x = graph.buffer(1'000'000);
  graph.task({graph.kind("gpu_writer"), 0, 0, -1, 1.0}, {{x, Access::read_write}});
  graph.task({graph.kind("cpu_reader"), 0, 0, 1.0, -1}, {{x, Access::read}});
  const TaskGraph built = std::move(graph).build();
  const Machine machine = one_core_one_gpu();
  const Schedule schedule = replay(built, resolve_task_times(built, machine), machine, *detail::make_policy("pack"));
  ASSERT_EQ(schedule.transfers.size(), 2u);
  EXPECT_EQ(schedule.transfers[1].from_node, 0);
  EXPECT_EQ(schedule.transfers[1].to_node, -1);
  // X goes up (1 ms latency + 1 ms), A runs 1 s, then X comes home the same way before the reader starts.
  EXPECT_DOUBLE_EQ(schedule.runs[0].end_s, 1.002);
  EXPECT_DOUBLE_EQ(schedule.runs[1].start_s, 1.004);
}

TEST(HandSchedule, FullGpuMemoryEvictsTheLeastRecentlyUsedReplicaAndWritesASoleCopyHome) {
  // The GPU holds two 1 MB buffers. A writes X there (sole copy), B reads Y, then C reads Z: X is the least recently
  // used, so it goes home first (a write-back), then Z comes in.
  GraphBuilder graph;
  const std::uint32_t x = graph.buffer(1'000'000);
  const std::uint32_t y = graph.buffer(1'000'000);
  const std::uint32_t z = graph.buffer(1'000'000);
  const std::uint32_t a = graph.task({graph.kind("a"), 0, 0, -1, 1.0}, {{x, Access::write}});
  const std::uint32_t b = graph.task({graph.kind("b"), 0, 0, -1, 1.0}, {{y, Access::read}});
  const std::uint32_t c = graph.task({graph.kind("c"), 0, 0, -1, 1.0}, {{z, Access::read}});
  graph.depend(a, b);
  graph.depend(b, c);
  const TaskGraph built = std::move(graph).build();
  Machine machine = parse_machine("cpus=0,gpus=1,gpu_mem=2MB,h2d=1GB/s,d2h=1GB/s,latency=0us");
  const Schedule schedule = replay(built, resolve_task_times(built, machine), machine, *detail::make_policy("pack"));
  EXPECT_EQ(schedule.evictions, 1u);
  ASSERT_EQ(schedule.transfers.size(), 3u);
  EXPECT_TRUE(schedule.transfers[1].write_back);
  EXPECT_EQ(schedule.transfers[1].buffer, x);
  EXPECT_EQ(schedule.transfers[2].buffer, z);
  // C waits for X's write-back (1 ms on the device-to-host link) only through Z's own copy (1 ms up): separate links.
  EXPECT_DOUBLE_EQ(schedule.runs[c].start_s, schedule.runs[b].end_s + 0.001);
}

TEST(HandSchedule, CopyLanesLetNoMoreCopiesRunAtOnceThanThereAreLanes) {
  // Two GPU tasks of 1 s, each reading its own 100 MB: their copies (0.1 s at 1 GB/s) run side by side on the two
  // GPUs' own links, or one after the other through a single shared lane.
  GraphBuilder graph;
  const std::uint32_t kind = graph.kind("k");
  graph.task({kind, 0, 0, -1, 1.0}, {{graph.buffer(100'000'000), Access::read}});
  graph.task({kind, 0, 0, -1, 1.0}, {{graph.buffer(100'000'000), Access::read}});
  const TaskGraph built = std::move(graph).build();
  for (int lanes : {0, 2, 1}) {
    SCOPED_TRACE(lanes);
    const Machine machine = parse_machine("cpus=0,gpus=2,h2d=1GB/s,latency=0us,copy_lanes=" + std::to_string(lanes));
    const Schedule schedule = replay(built, resolve_task_times(built, machine), machine, *detail::make_policy("pack"));
    ASSERT_NE(schedule.runs[0].gpu, schedule.runs[1].gpu);
    EXPECT_DOUBLE_EQ(schedule.runs[0].start_s, 0.1);
    EXPECT_DOUBLE_EQ(schedule.runs[1].start_s, lanes == 1 ? 0.2 : 0.1);
    EXPECT_DOUBLE_EQ(schedule.makespan_s, lanes == 1 ? 1.2 : 1.1);
  }
}

TEST(HandSchedule, ReplaysAreDeterministic) {
  const Machine machine = parse_machine("cpus=3,gpus=2");
  const TaskGraph graph = three_tasks();
  const TaskTimes times = resolve_task_times(graph, machine);
  const Schedule first = replay(graph, times, machine, *detail::make_policy("random:9"));
  const Schedule second = replay(graph, times, machine, *detail::make_policy("random:9"));
  for (std::size_t t = 0; t < graph.size(); ++t) {
    EXPECT_EQ(first.runs[t].gpu, second.runs[t].gpu);
    EXPECT_EQ(first.runs[t].end_s, second.runs[t].end_s);
  }
}

}  // namespace
}  // namespace hetsched::bench
