// Twin of seeds/004 ("Parallelize your algorithm by Ray"), the tour of Ray's API: remote functions and their
// parallelism, resources, object refs (put, get, wait), and errors. The seed's actor parts have their own twins:
// examples/actor_counter.cpp (the Counter) and examples/parameter_server.cpp (single and sharded servers).
// Look for: four plain calls take 4 x 0.25 s while four tasks take ~0.25 s; the Config's totals (8 CPUs, 4 logical
// GPUs, Custom 2); the GPU a cpus(2).gpus(0.5) task was given; wait returning one ready ref and three others, and
// none when its timeout comes first; a failing task's exception arriving as hetsched::TaskError, also through a task
// that depends on it.
// Exits non-zero if any returned value, list, resource total or error differs from what the tour says.

#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "checks.hpp"
#include "stopwatch.hpp"

namespace {

using namespace std::chrono_literals;

constexpr int parallel_calls = 4;
constexpr auto work_time = 250ms;  // makes the difference between serial and parallel calls visible

/// The seed's regular_function. In Ray the remote version is a second, decorated definition; here the same function
/// becomes a task by handing it to Runtime::task.
int regular_function() {
  std::this_thread::sleep_for(work_time);
  return 1;
}

int do_some_work(int x) {
  std::this_thread::sleep_for(work_time);
  return x;
}

int one_second_work() {
  std::this_thread::sleep_for(1s);
  return 0;
}

int add_one(int x) { return x + 1; }

int failing_work() { throw std::runtime_error("the input file is missing"); }

std::string format_resources(const std::map<std::string, double>& resources) {
  std::string text = "{";
  for (const auto& [name, quantity] : resources) {
    if (text.size() > 1) text += ", ";
    char number[32];
    std::snprintf(number, sizeof number, "%g", quantity);
    text += "'" + name + "': " + number;
  }
  return text + "}";
}

/// The CPUs and GPUs the running task holds.
std::pair<double, double> demand_of(hetsched::TaskContext& context) { return {context.cpus(), context.gpus()}; }

/// Prints the GPUs the task was given and what is left free while it runs; returns the GPU ids.
std::vector<int> report_gpu_ids(hetsched::TaskContext& context) {
  std::vector<int> ids(context.gpu_ids().begin(), context.gpu_ids().end());
  std::printf("inside a cpus(2).gpus(0.5) task: ctx.gpu_ids() = %s\n", examples::format_list(ids).c_str());
  std::printf("available_resources() while it runs = %s\n",
              format_resources(context.runtime().available_resources()).c_str());
  return ids;
}

void print_section(const char* title) { std::printf("\n== %s\n", title); }

void tour_remote_functions(hetsched::Runtime& runtime, examples::Checks& checks) {
  print_section("1. Remote functions (tasks)");
  checks.expect(regular_function() == 1, "regular_function() == 1");
  hetsched::ObjectRef<int> object_ref = runtime.task(regular_function).remote();
  std::printf("runtime.task(regular_function).remote() returned ObjectRef(%llu), right away\n",
              static_cast<unsigned long long>(object_ref.id()));
  int value = runtime.get(object_ref);
  std::printf("runtime.get(object_ref) = %d\n", value);
  checks.expect(value == 1, "get of the remote regular_function == 1");

  examples::Stopwatch stopwatch;
  for (int i = 0; i < parallel_calls; ++i) regular_function();
  examples::print_duration("4 plain calls (serial)", stopwatch.seconds());
  stopwatch.restart();
  std::vector<hetsched::ObjectRef<int>> refs;
  for (int i = 0; i < parallel_calls; ++i) refs.push_back(runtime.task(regular_function).remote());
  std::vector<int> ones = runtime.get(std::move(refs));
  examples::print_duration("4 tasks (parallel)", stopwatch.seconds());
  checks.expect(ones == std::vector<int>(parallel_calls, 1), "four remote calls return [1, 1, 1, 1]");
}

void tour_resources(hetsched::Runtime& runtime, examples::Checks& checks) {
  print_section("Resources: Config{num_cpus = 8, num_gpus = 4, resources = {'Custom': 2}}");
  std::map<std::string, double> totals = runtime.total_resources();
  std::printf("total_resources() = %s\n", format_resources(totals).c_str());
  checks.expect(totals["CPU"] == 8 && totals["GPU"] == 4 && totals["Custom"] == 2,
                "the totals are the Config's: 8 CPUs, 4 GPUs, Custom 2");
  if (runtime.hardware().gpus.empty()) std::printf("(no CUDA device here: the 4 GPUs are logical, host memory)\n");

  auto default_demand = runtime.task(demand_of).remote();
  auto [default_cpus, default_gpus] = runtime.get(default_demand);
  std::printf("a task with no demand holds cpus = %g, gpus = %g\n", default_cpus, default_gpus);
  checks.expect(default_cpus == 1 && default_gpus == 0, "the default demand is 1 CPU and no GPU");

  auto gpu_ids_ref = runtime.task(report_gpu_ids).cpus(2).gpus(0.5).remote();
  const std::vector<int>& gpu_ids = runtime.get(gpu_ids_ref);
  checks.expect(gpu_ids.size() == 1 && gpu_ids[0] >= 0 && gpu_ids[0] < 4, "half a GPU lands on one of the 4 GPUs");

  int custom_result = runtime.get(runtime.task(add_one).resource("Custom", 1).remote(41));
  std::printf("a task holding resource('Custom', 1) returned %d\n", custom_result);
  checks.expect(custom_result == 42, "the Custom task returns 42");

  try {
    runtime.task(add_one).gpus(5).remote(0);
    checks.expect(false, "gpus(5) on 4 GPUs is refused at submission");
  } catch (const hetsched::ResourceError& error) {
    std::printf("gpus(5) on 4 GPUs: ResourceError at submission (Ray would leave it pending): %s\n", error.what());
  }
}

void tour_object_refs(hetsched::Runtime& runtime, examples::Checks& checks) {
  print_section("2. Object refs: put, get, wait");
  int y = 1;
  hetsched::ObjectRef<int> object_ref = runtime.put(y);
  int value = runtime.get(object_ref);
  std::printf("runtime.put(1) = ObjectRef(%llu); runtime.get of it = %d\n",
              static_cast<unsigned long long>(object_ref.id()), value);
  checks.expect(value == 1, "get of put(1) == 1");

  std::vector<hetsched::ObjectRef<int>> refs;
  for (int x = 0; x < parallel_calls; ++x) refs.push_back(runtime.task(do_some_work).remote(x));
  std::vector<int> results = runtime.get(refs);
  std::printf("results = runtime.get([do_some_work.remote(x) for x in range(4)]) = %s\n",
              examples::format_list(results).c_str());
  checks.expect(results == examples::zero_to(parallel_calls), "get of a vector of refs returns [0, 1, 2, 3]");

  std::vector<hetsched::ObjectRef<int>> sleepers;
  for (int x = 0; x < parallel_calls; ++x) sleepers.push_back(runtime.task(do_some_work).remote(x));
  hetsched::WaitResult<int> first = runtime.wait(sleepers, 1);
  std::printf("wait(refs, 1): %zu ready, %zu not ready\n", first.ready.size(), first.not_ready.size());
  checks.expect(first.ready.size() == 1 && first.not_ready.size() == sleepers.size() - 1,
                "wait(refs, 1) returns one ready ref and the three others");
  hetsched::WaitResult<int> all = runtime.wait(sleepers, sleepers.size());
  std::printf("wait(refs, 4): %zu ready, %zu not ready\n", all.ready.size(), all.not_ready.size());
  checks.expect(all.ready.size() == sleepers.size() && all.not_ready.empty(), "wait(refs, 4) returns all four");

  hetsched::ObjectRef<int> slow = runtime.task(one_second_work).remote();
  examples::Stopwatch stopwatch;
  hetsched::WaitResult<int> waited = runtime.wait(std::vector{slow}, 1, 50ms);
  double seconds = stopwatch.seconds();
  std::printf("wait([a 1 s task], 1, 50ms) returned after %.3f s: %zu ready, %zu not ready\n", seconds,
              waited.ready.size(), waited.not_ready.size());
  // The task cannot have finished if wait came back within its 1 s; the timing itself is not checked.
  if (seconds < 1.0) checks.expect(waited.not_ready.size() == 1, "a 50 ms wait leaves a 1 s task not ready");
}

void expect_task_error(hetsched::Runtime& runtime, examples::Checks& checks, const char* label,
                       const hetsched::ObjectRef<int>& ref) {
  try {
    runtime.get(ref);
    checks.expect(false, std::string("get(") + label + ") throws TaskError");
  } catch (const hetsched::TaskError& error) {
    std::printf("get(%s): TaskError from task '%s': %s\n", label, error.task_name().c_str(), error.message().c_str());
    checks.expect(error.task_name() == "failing_work" && error.message() == "the input file is missing",
                  std::string("the TaskError of get(") + label + ") names failing_work and carries its message");
  }
}

void tour_errors(hetsched::Runtime& runtime, examples::Checks& checks) {
  print_section("Errors: a task that throws");
  hetsched::ObjectRef<int> failed = runtime.task(failing_work).name("failing_work").remote();
  hetsched::ObjectRef<int> dependent = runtime.task(add_one).name("add_one").remote(failed);
  expect_task_error(runtime, checks, "failing_work", failed);
  expect_task_error(runtime, checks, "add_one(failing_work)", dependent);  // the root cause reaches dependents
}

}  // namespace

int main() {
  hetsched::Config config;  // the seed's ray.init(num_cpus=8, num_gpus=4, resources={'Custom': 2})
  config.num_cpus = 8;
  config.num_gpus = 4;
  config.resources = {{"Custom", 2}};
  config.read_environment = false;  // the checks below compare against exactly these totals
  hetsched::Runtime runtime{config};
  examples::Checks checks;
  std::printf("api_tour: the tour of Ray's API (seeds/004) with hetsched\n");

  tour_remote_functions(runtime, checks);
  tour_resources(runtime, checks);
  tour_object_refs(runtime, checks);
  tour_errors(runtime, checks);

  print_section("3. Remote classes (actors)");
  std::printf("see example_actor_counter (the Counter) and example_parameter_server (single and sharded)\n");

  print_section("The tour's tips, each an example of its own");
  std::printf("Tip 1: delay get as much as possible                   -> delay_get\n");
  std::printf("Tip 2: tasks should take at least several milliseconds -> tiny_tasks\n");
  std::printf("Tip 3: put a large object once and pass its ref        -> large_object\n");
  std::printf("Tip 4: use wait to process results as they arrive      -> pipeline_wait\n");

  return checks.exit_code();
}
