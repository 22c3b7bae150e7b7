// Twin of the second tip of seeds/000 ("Avoid tiny tasks"): tiny_work(x) sleeps 0.1 ms and returns x, 100000 times.
// Look for: one task per call adds per-task overhead to work that is barely longer than it (in Ray it was 2x slower
// than serial; here the ratio shows what hetsched's overhead costs), while batching 1000 calls per task (100 tasks)
// amortises the overhead and lands near serial / 4 with num_cpus=4 (a little under: the thread blocked in get runs
// queued tasks too).
// The serial line's "us per call" is what sleep_for(100us) really costs here (a VM may overshoot it several times).
// Exits non-zero if any variant's results differ from [0, 1, ..., 99999]; timings are printed, never checked.

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

constexpr int call_count = 100000;
constexpr int calls_per_batch = 1000;

int tiny_work(int x) {
  std::this_thread::sleep_for(std::chrono::microseconds(100));  // Replace this with work you need to do.
  return x;
}

/// The seed's mega_work: one task running tiny_work over [start, end).
std::vector<int> mega_work(int start, int end) {
  std::vector<int> results;
  results.reserve(static_cast<std::size_t>(end - start));
  for (int x = start; x < end; ++x) results.push_back(tiny_work(x));
  return results;
}

std::vector<int> run_serial(hetsched::Runtime&) {
  std::vector<int> results;
  results.reserve(call_count);
  for (int x = 0; x < call_count; ++x) results.push_back(tiny_work(x));
  return results;
}

std::vector<int> run_one_task_per_call(hetsched::Runtime& runtime) {
  std::vector<hetsched::ObjectRef<int>> refs;
  refs.reserve(call_count);
  for (int x = 0; x < call_count; ++x) refs.push_back(runtime.task(tiny_work).remote(x));
  return runtime.get(std::move(refs));
}

std::vector<int> run_batched(hetsched::Runtime& runtime) {
  std::vector<hetsched::ObjectRef<std::vector<int>>> refs;
  for (int batch = 0; batch < call_count / calls_per_batch; ++batch) {
    refs.push_back(runtime.task(mega_work).remote(batch * calls_per_batch, (batch + 1) * calls_per_batch));
  }
  std::vector<int> results;
  results.reserve(call_count);
  for (const std::vector<int>& batch : runtime.get(std::move(refs))) {
    results.insert(results.end(), batch.begin(), batch.end());
  }
  return results;
}

}  // namespace

int main() {
  hetsched::Runtime runtime{examples::seed_config()};  // the seed's ray.init(num_cpus = 4)
  examples::Checks checks;
  const std::vector<int> expected = examples::zero_to(call_count);
  std::printf("tiny_tasks: tiny_work(x) sleeps 0.1 ms and returns x; %d calls, num_cpus = 4\n", call_count);

  struct Variant {
    const char* label;
    std::vector<int> (*run)(hetsched::Runtime&);
  };
  const Variant variants[] = {
      {"serial loop", run_serial},
      {"remote, one task per call", run_one_task_per_call},
      {"remote, 1000 calls per task", run_batched},
  };
  double serial_seconds = 0;
  for (const Variant& variant : variants) {
    examples::Stopwatch stopwatch;
    std::vector<int> results = variant.run(runtime);
    double seconds = stopwatch.seconds();
    if (serial_seconds == 0) serial_seconds = seconds;  // the first variant is the serial baseline
    examples::print_duration(variant.label, seconds);
    std::printf("  %-34s ratio to serial = %.2f, %.1f us per call\n", "", seconds / serial_seconds,
                seconds / call_count * 1e6);
    checks.expect(results == expected, std::string(variant.label) + " returns [0, 1, ..., 99999]");
  }

  return checks.exit_code();
}
