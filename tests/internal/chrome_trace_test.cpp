// The Chrome trace writer: lanes, complete and instant events, flow arrows, in the Trace Event Format.
#include "trace/chrome_trace.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "hetsched/error.hpp"

namespace hetsched::detail {
namespace {

using nlohmann::json;

/// The events of `trace` whose "ph" is `phase`.
std::vector<json> events(const ChromeTrace& trace, const char* phase) {
  std::vector<json> found;
  const json whole = trace.to_json();
  for (const json& event : whole["traceEvents"]) {
    if (event["ph"] == phase) found.push_back(event);
  }
  return found;
}

TEST(ChromeTrace, CompleteEventsAreInMicrosecondsOnNamedLanes) {
  ChromeTrace trace;
  trace.name_process(1, "policy model");
  trace.name_lane(1, 1000, "GPU 0", 3);
  trace.complete(1, 1000, "gemm#7", "gemm", 0.5, 0.002, {{"kind", "gemm"}});
  const std::vector<json> complete = events(trace, "X");
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_DOUBLE_EQ(complete[0]["ts"].get<double>(), 500000.0);
  EXPECT_DOUBLE_EQ(complete[0]["dur"].get<double>(), 2000.0);
  EXPECT_EQ(complete[0]["tid"], 1000);
  EXPECT_EQ(complete[0]["args"]["kind"], "gemm");
  const std::vector<json> names = events(trace, "M");
  ASSERT_EQ(names.size(), 3u);  // process name, lane name, lane order
  EXPECT_EQ(names[0]["args"]["name"], "policy model");
  EXPECT_EQ(names[1]["args"]["name"], "GPU 0");
  EXPECT_EQ(names[2]["args"]["sort_index"], 3);
}

TEST(ChromeTrace, AFlowIsAStartAndAFinishSharingAnIdBoundToTheEnclosingSlice) {
  ChromeTrace trace;
  trace.flow(1, 2000, 0.1, 1, 1000, 0.2, "input");
  trace.flow(1, 2000, 0.3, 1, 1001, 0.4, "input");
  const std::vector<json> starts = events(trace, "s");
  const std::vector<json> finishes = events(trace, "f");
  ASSERT_EQ(starts.size(), 2u);
  ASSERT_EQ(finishes.size(), 2u);
  EXPECT_EQ(starts[0]["id"], finishes[0]["id"]);
  EXPECT_NE(starts[0]["id"], starts[1]["id"]);
  EXPECT_EQ(finishes[0]["bp"], "e");
  EXPECT_EQ(finishes[1]["tid"], 1001);
}

TEST(ChromeTrace, InstantEventsAreThreadScoped) {
  ChromeTrace trace;
  trace.instant(1, 3, "evicted", "eviction", 1.0);
  const std::vector<json> instants = events(trace, "i");
  ASSERT_EQ(instants.size(), 1u);
  EXPECT_EQ(instants[0]["s"], "t");
  EXPECT_DOUBLE_EQ(instants[0]["ts"].get<double>(), 1e6);
}

TEST(ChromeTrace, WritesAFileThatParsesBackAndReportsAnUnwritablePath) {
  ChromeTrace trace;
  trace.complete(1, 0, "task", "kind", 0, 1);
  const std::string path = ::testing::TempDir() + "chrome_trace_test.json";
  trace.write(path);
  std::ifstream in(path);
  const json parsed = json::parse(in);
  EXPECT_EQ(parsed["traceEvents"].size(), 1u);
  EXPECT_EQ(parsed["displayTimeUnit"], "ms");
  std::remove(path.c_str());
  EXPECT_THROW(trace.write("/nonexistent-directory/trace.json"), UsageError);
}

}  // namespace
}  // namespace hetsched::detail
