// Twin of the first tip of seeds/000 ("Delay ray.get()"): do_some_work(x) sleeps 1 s and returns x, run four ways.
// Look for: the serial loop and "get inside the loop" both take ~4 s (get blocks, so the loop is serial again),
// submitting without get returns refs in ~0 s, and one get after submitting all four takes ~1 s with num_cpus=4.
// Exits non-zero if any results differ from [0, 1, 2, 3]; timings are printed, never checked.

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "checks.hpp"
#include "seed_config.hpp"
#include "stopwatch.hpp"

namespace {

constexpr int task_count = 4;

int do_some_work(int x) {
  std::this_thread::sleep_for(std::chrono::seconds(1));  // Replace this with work you need to do.
  return x;
}

void report(const char* label, double seconds, const std::string& results) {
  examples::print_duration(label, seconds);
  std::printf("  %-34s results  = %s\n", "", results.c_str());
}

}  // namespace

int main() {
  hetsched::Runtime runtime{examples::seed_config()};  // the seed's ray.init(num_cpus = 4)
  examples::Checks checks;
  const std::vector<int> expected = examples::zero_to(task_count);
  std::printf("delay_get: do_some_work(x) sleeps 1 s and returns x; %d calls, num_cpus = 4\n", task_count);

  {
    examples::Stopwatch stopwatch;
    std::vector<int> results;
    for (int x = 0; x < task_count; ++x) results.push_back(do_some_work(x));
    report("serial loop", stopwatch.seconds(), examples::format_list(results));
    checks.expect(results == expected, "the serial loop returns [0, 1, 2, 3]");
  }

  {
    examples::Stopwatch stopwatch;
    std::vector<hetsched::ObjectRef<int>> refs;
    for (int x = 0; x < task_count; ++x) refs.push_back(runtime.task(do_some_work).remote(x));
    double seconds = stopwatch.seconds();
    report("remote, no get (refs only)", seconds, examples::format_list(refs, [](const hetsched::ObjectRef<int>& ref) {
             return "ObjectRef(" + std::to_string(ref.id()) + ")";
           }));
    // Outside the timed region: let these tasks finish so the next variant starts on an idle runtime.
    checks.expect(runtime.get(refs) == expected, "the refs submitted without get resolve to [0, 1, 2, 3]");
  }

  {
    examples::Stopwatch stopwatch;
    std::vector<int> results;
    for (int x = 0; x < task_count; ++x) results.push_back(runtime.get(runtime.task(do_some_work).remote(x)));
    report("remote, get inside the loop", stopwatch.seconds(), examples::format_list(results));
    checks.expect(results == expected, "get inside the loop returns [0, 1, 2, 3]");
  }

  {
    examples::Stopwatch stopwatch;
    std::vector<hetsched::ObjectRef<int>> refs;
    for (int x = 0; x < task_count; ++x) refs.push_back(runtime.task(do_some_work).remote(x));
    std::vector<int> results = runtime.get(std::move(refs));
    report("remote, get after submitting all", stopwatch.seconds(), examples::format_list(results));
    checks.expect(results == expected, "get after submitting all returns [0, 1, 2, 3]");
  }

  return checks.exit_code();
}
