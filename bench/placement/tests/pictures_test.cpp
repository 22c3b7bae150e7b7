// The pictures of a schedule: the HTML Gantt has a lane per device and a tooltip per task; the trace has an event
// per task and per copy, and an arrow per copy.
#include <gtest/gtest.h>

#include "gantt_html.hpp"
#include "lower_bound.hpp"
#include "scheduler/policy.hpp"
#include "schedule_trace.hpp"
#include "simulator.hpp"
#include "workloads/workloads.hpp"

namespace hetsched::bench {
namespace {

PlacementRun small_run() {
  PlacementRun run;
  run.workload = "cholesky 3x3";
  run.machine = parse_machine("mirage,cpus=2,gpus=2");
  WorkloadOptions options;
  options.tiles = 3;
  run.graph = cholesky_workload(options);
  run.times = resolve_task_times(run.graph, run.machine);
  run.bound = lower_bound(run.graph, run.times, run.machine);
  run.kernels = summarise_kernels(run.graph, run.times);
  run.schedules.push_back(replay(run.graph, run.times, run.machine, *detail::make_policy("model")));
  return run;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

TEST(Pictures, TheGanttPageHasALanePerDeviceAndATooltipPerTaskAndCopy) {
  const PlacementRun run = small_run();
  const std::string page = gantt_html(run);
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(occurrences(page, ">CPU "), 2u);
  EXPECT_EQ(occurrences(page, "\">GPU "), 2u);
  const std::size_t copies_in = std::count_if(run.schedules[0].transfers.begin(), run.schedules[0].transfers.end(),
                                              [](const TransferRun& x) { return x.to_node >= 0; });
  EXPECT_EQ(occurrences(page, "<title>"), run.graph.size() + copies_in + 1);  // and the page's own title
  EXPECT_EQ(page.find("<script"), std::string::npos);  // self-contained, nothing to fetch
}

TEST(Pictures, TheTraceHasAnEventPerTaskAndCopyAndAnArrowPerCopyIn) {
  const PlacementRun run = small_run();
  const nlohmann::json trace = schedule_trace(run).to_json();
  std::size_t complete = 0;
  std::size_t arrows = 0;
  for (const auto& event : trace["traceEvents"]) {
    complete += event["ph"] == "X" ? 1 : 0;
    arrows += event["ph"] == "s" ? 1 : 0;
  }
  const std::size_t copies = run.schedules[0].transfers.size();
  EXPECT_EQ(complete, run.graph.size() + copies);
  EXPECT_EQ(arrows, copies);  // no evictions here: every copy feeds a task
}

}  // namespace
}  // namespace hetsched::bench
