// json_workload: a user's task graph for `hetsched-bench placement --workload json --graph FILE`. Contract: a
// TaskGraph whose index arrays are consistent, or a UsageError naming the file (the error the CLI prints).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "hetsched/error.hpp"
#include "workloads/workloads.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hetsched::fuzz::require;
  hetsched::bench::WorkloadOptions options;
  const std::string text = hetsched::fuzz::text_of(data, size);
  options.file = hetsched::fuzz::scratch_file("workload_json", text);
  try {
    hetsched::bench::TaskGraph graph = hetsched::bench::json_workload(options);
    const std::size_t tasks = graph.size();
    require(graph.use_offsets.size() == tasks + 1 && graph.successor_offsets.size() == tasks + 1,
            "offset arrays of the wrong length");
    require(graph.use_offsets.back() == graph.uses.size(), "use offsets do not cover the uses");
    require(graph.successor_offsets.back() == graph.successors.size(), "successor offsets do not cover them");
    require(graph.predecessor_count.size() == tasks, "a predecessor count per task");
    for (const auto& use : graph.uses) require(use.buffer < graph.buffer_bytes.size(), "a use of no buffer");
    for (std::uint32_t next : graph.successors) require(next < tasks, "a successor that is no task");
    for (std::uint32_t t = 0; t < tasks; ++t) {
      require(graph.use_offsets[t] <= graph.use_offsets[t + 1], "use offsets not ascending");
      require(graph.successor_offsets[t] <= graph.successor_offsets[t + 1], "successor offsets not ascending");
      require(graph.tasks[t].kind < graph.kind_names.size(), "a task of no kind");
    }
    // build() promises no cycle: releasing tasks as their predecessors finish must reach every task.
    std::vector<std::uint32_t> waiting = graph.predecessor_count;
    std::vector<std::uint32_t> ready;
    for (std::uint32_t t = 0; t < tasks; ++t) {
      if (waiting[t] == 0) ready.push_back(t);
    }
    std::size_t finished = 0;
    while (!ready.empty()) {
      std::uint32_t t = ready.back();
      ready.pop_back();
      ++finished;
      for (std::uint32_t s = graph.successor_offsets[t]; s < graph.successor_offsets[t + 1]; ++s) {
        std::uint32_t next = graph.successors[s];
        require(waiting[next] > 0, "a task has more successors naming it than predecessors");
        if (--waiting[next] == 0) ready.push_back(next);
      }
    }
    require(finished == tasks, "a graph with a cycle (or a stuck task) was accepted");
    // The graph holds what the file says: each task's figures exactly, nothing truncated or wrapped.
    const nlohmann::json doc = nlohmann::json::parse(text);
    require(doc["tasks"].size() == tasks, "a task lost or added");
    for (std::uint32_t t = 0; t < tasks; ++t) {
      const nlohmann::json& task = doc["tasks"][t];
      const hetsched::bench::GraphTask& made = graph.tasks[t];
      require(graph.kind_names[made.kind] == task["kind"].get<std::string>(), "a task's kind changed");
      if (task.contains("priority")) {
        require(task["priority"] == made.priority, "a task's priority is not the file's");
      }
      for (auto [key, value] : {std::pair{"cpu_s", made.cpu_s}, {"gpu_s", made.gpu_s}, {"flops", made.flops}}) {
        if (task.contains(key)) require(task[key].get<double>() == value, "a task's time or flops is not the file's");
      }
    }
  } catch (const hetsched::Error&) {
  }
  return 0;
}
