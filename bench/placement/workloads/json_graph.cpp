// A user's graph from a JSON file:
//   {"buffers": {"NAME": BYTES, ...},
//    "tasks": [{"name": "t0", "kind": "load", "cpu_s": 0.1, "gpu_s": 0.01, "flops": 2e9, "priority": 0,
//               "inputs": ["NAME", ...], "outputs": ["NAME", ...], "deps": ["t1", ...]}, ...]}
// A task needs a name and a kind; cpu_s/gpu_s (or flops, timed by the machine) say where it can run; a buffer both
// read and written is read_write. Dependencies follow from the buffers in task order, plus "deps" (any order).
#include <climits>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "graph_builder.hpp"
#include "hetsched/error.hpp"
#include "workloads/workloads.hpp"

namespace hetsched::bench {
namespace {

using nlohmann::json;

constexpr const char* expected_form =
    "expected {\"buffers\": {NAME: BYTES}, \"tasks\": [{\"name\", \"kind\", \"cpu_s\"?, \"gpu_s\"?, \"flops\"?, "
    "\"priority\"?, \"inputs\"?: [NAME], \"outputs\"?: [NAME], \"deps\"?: [TASK]}]}";

[[noreturn]] void bad(const std::string& path, const std::string& why) {
  throw UsageError("graph file '" + path + "': " + why + "; " + expected_form);
}

std::vector<std::string> names(const std::string& path, const json& task, const std::string& who, const char* key) {
  std::vector<std::string> out;
  if (!task.contains(key)) return out;
  if (!task[key].is_array()) bad(path, who + ": \"" + key + "\" is not a list of names");
  for (const json& name : task[key]) {
    if (!name.is_string()) bad(path, who + ": \"" + key + "\" holds " + name.dump() + ", not a name");
    out.push_back(name.get<std::string>());
  }
  return out;
}

double number(const std::string& path, const json& task, const std::string& who, const char* key, double fallback) {
  if (!task.contains(key)) return fallback;
  if (!task[key].is_number() || task[key].get<double>() < 0) bad(path, who + ": \"" + key + "\" is not a number >= 0");
  return task[key].get<double>();
}

/// The task's "priority" (0 when absent): a whole number that fits an int, not one silently wrapped into it.
int priority(const std::string& path, const json& task, const std::string& who) {
  if (!task.contains("priority")) return 0;
  const json& value = task["priority"];
  bool fits = value.is_number_unsigned() ? value.get<std::uint64_t>() <= INT_MAX
                                         : value.is_number_integer() && value.get<std::int64_t>() >= INT_MIN &&
                                               value.get<std::int64_t>() <= INT_MAX;
  if (!fits) {
    bad(path, who + ": \"priority\" is not a whole number from " + std::to_string(INT_MIN) + " to " +
                  std::to_string(INT_MAX));
  }
  return value.get<int>();
}

}  // namespace

TaskGraph json_workload(const WorkloadOptions& options) {
  const std::string& path = options.file;
  if (path.empty()) throw UsageError("--workload json needs --graph FILE.json; " + std::string(expected_form));
  std::ifstream in(path);
  if (!in) bad(path, "cannot be opened");
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number past a double's range
    bad(path, std::string("is not JSON (") + e.what() + ")");
  }
  if (!doc.is_object() || !doc.contains("tasks") || !doc["tasks"].is_array()) bad(path, "has no \"tasks\" list");
  GraphBuilder graph;
  std::map<std::string, std::uint32_t> buffers;
  if (doc.contains("buffers")) {
    if (!doc["buffers"].is_object()) bad(path, "\"buffers\" is not an object of NAME: BYTES");
    for (const auto& [name, bytes] : doc["buffers"].items()) {
      if (!bytes.is_number_unsigned()) bad(path, "buffer \"" + name + "\" has no size in bytes (a whole number)");
      buffers[name] = graph.buffer(bytes.get<std::uint64_t>());
    }
  }
  std::map<std::string, std::uint32_t> tasks;
  std::vector<std::pair<std::string, std::uint32_t>> deps;  // (dependency name, task)
  std::uint32_t index = 0;
  for (const json& task : doc["tasks"]) {
    const std::string who = "task " + std::to_string(index);
    if (!task.is_object()) bad(path, who + " is not an object");
    if (!task.contains("name") || !task["name"].is_string()) bad(path, who + " has no \"name\"");
    if (!task.contains("kind") || !task["kind"].is_string()) bad(path, who + " has no \"kind\"");
    const std::string name = task["name"].get<std::string>();
    const std::string named = "task '" + name + "'";
    if (!tasks.emplace(name, index).second) bad(path, "two tasks are named '" + name + "'");
    std::vector<BufferUse> uses;
    auto use = [&](const std::string& buffer, Access access) {
      auto found = buffers.find(buffer);
      if (found == buffers.end()) bad(path, named + " uses buffer '" + buffer + "', which \"buffers\" does not declare");
      for (BufferUse& u : uses) {
        if (u.buffer == found->second) {
          u.access = Access::read_write;
          return;
        }
      }
      uses.push_back({found->second, access});
    };
    for (const std::string& b : names(path, task, named, "inputs")) use(b, Access::read);
    for (const std::string& b : names(path, task, named, "outputs")) use(b, Access::write);
    GraphTask made;
    made.kind = graph.kind(task["kind"].get<std::string>());
    made.cpu_s = number(path, task, named, "cpu_s", -1);
    made.gpu_s = number(path, task, named, "gpu_s", -1);
    made.flops = number(path, task, named, "flops", 0);
    made.priority = priority(path, task, named);
    graph.task(made, uses);
    graph.name(index, name);
    for (const std::string& d : names(path, task, named, "deps")) deps.emplace_back(d, index);
    ++index;
  }
  for (const auto& [dependency, task] : deps) {
    auto found = tasks.find(dependency);
    if (found == tasks.end()) bad(path, "a task depends on '" + dependency + "', which no task is named");
    graph.depend(found->second, task);
  }
  return std::move(graph).build();  // UsageError naming a task on a cycle
}

}  // namespace hetsched::bench
