// Twin of the fourth tip of seeds/000 ("Pipeline data processing"): 4 tasks sleep uniform(0, 4) s each, and every
// result then takes 1 s to process. First get all four and process them; then wait(refs, 1) in a loop and process
// each result as soon as it arrives.
// Look for: get-all takes about (slowest task + 4 s); the wait loop overlaps processing with the slower tasks and
// ends about 1 s after the slowest task. Both lines print the model's estimate next to the measured duration.
// The sleep durations come from a seeded generator (seed printed; pass one as argv[1] to replay a run) and are drawn
// on the driver and passed to the tasks, so both variants sleep the same amounts.
// Exits non-zero if a sum is not 6 or the wait loop does not process each of 0..3 exactly once; timings unchecked.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "checks.hpp"
#include "seed_config.hpp"
#include "stopwatch.hpp"

namespace {

constexpr int task_count = 4;
constexpr int expected_sum = 0 + 1 + 2 + 3;
const auto processing_time = std::chrono::seconds(1);

/// The seed's do_some_work, with its random.uniform(0, 4) drawn by the driver and passed in.
int do_some_work(int x, double sleep_seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(sleep_seconds));  // Replace this with work you need to do.
  return x;
}

int process_results(const std::vector<int>& results) {
  int sum = 0;
  for (int x : results) {
    std::this_thread::sleep_for(processing_time);  // Replace this with some processing code.
    sum += x;
  }
  return sum;
}

int process_incremental(int sum, int result) {
  std::this_thread::sleep_for(processing_time);  // Replace this with some processing code.
  return sum + result;
}

std::vector<hetsched::ObjectRef<int>> submit_all(hetsched::Runtime& runtime, const std::vector<double>& sleeps) {
  std::vector<hetsched::ObjectRef<int>> refs;
  for (int x = 0; x < task_count; ++x) {
    refs.push_back(runtime.task(do_some_work).remote(x, sleeps[static_cast<std::size_t>(x)]));
  }
  return refs;
}

/// Seconds the get-all variant should take: the slowest task, then one second per result.
double estimate_get_all(const std::vector<double>& sleeps) {
  return *std::max_element(sleeps.begin(), sleeps.end()) + task_count * 1.0;
}

/// Seconds the wait loop should take: results are processed in finishing order, each when both it and the previous
/// processing are done.
double estimate_wait_loop(std::vector<double> sleeps) {
  std::sort(sleeps.begin(), sleeps.end());
  double finished = 0;
  for (double sleep_seconds : sleeps) finished = std::max(finished, sleep_seconds) + 1.0;
  return finished;
}

}  // namespace

int main(int argc, char** argv) {
  const unsigned seed = argc > 1 ? static_cast<unsigned>(std::strtoul(argv[1], nullptr, 10)) : std::random_device{}();
  std::mt19937 generator(seed);
  std::uniform_real_distribution<double> uniform(0.0, 4.0);
  std::vector<double> sleeps;
  for (int x = 0; x < task_count; ++x) sleeps.push_back(uniform(generator));

  hetsched::Runtime runtime{examples::seed_config()};  // the seed's ray.init(num_cpus = 4)
  examples::Checks checks;
  std::string sleeps_text = examples::format_list(sleeps, [](double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", seconds);
    return std::string(text);
  });
  std::printf("pipeline_wait: seed = %u (pass it as argv[1] to replay this run), num_cpus = 4\n", seed);
  std::printf("  task sleeps (s) = %s, then 1 s of processing per result\n", sleeps_text.c_str());

  {
    examples::Stopwatch stopwatch;
    std::vector<int> data_list = runtime.get(submit_all(runtime, sleeps));
    int sum = process_results(data_list);
    examples::print_duration("get all, then process", stopwatch.seconds());
    std::printf("  %-34s estimate = %.4f s, result = %d\n", "", estimate_get_all(sleeps), sum);
    checks.expect(sum == expected_sum, "get all, then process sums to 6");
  }

  {
    examples::Stopwatch stopwatch;
    std::vector<hetsched::ObjectRef<int>> result_refs = submit_all(runtime, sleeps);
    std::vector<int> arrival_order;
    int sum = 0;
    while (!result_refs.empty()) {
      hetsched::WaitResult<int> waited = runtime.wait(std::move(result_refs), 1);
      int result = runtime.get(waited.ready.at(0));
      arrival_order.push_back(result);
      sum = process_incremental(sum, result);
      result_refs = std::move(waited.not_ready);
    }
    examples::print_duration("wait(refs, 1), process each", stopwatch.seconds());
    std::printf("  %-34s estimate = %.4f s, result = %d, processed in order %s\n", "", estimate_wait_loop(sleeps),
                sum, examples::format_list(arrival_order).c_str());
    checks.expect(sum == expected_sum, "the wait loop sums to 6");
    std::sort(arrival_order.begin(), arrival_order.end());
    checks.expect(arrival_order == examples::zero_to(task_count), "the wait loop processes each of 0..3 once");
  }

  return checks.exit_code();
}
