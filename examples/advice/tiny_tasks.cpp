// The advisor's twin of seeds/000 tip 2 ("Avoid tiny tasks"): `wrong` runs tiny_work as one task per call, 100000
// tasks; `right` runs it 1000 calls per task, 100 tasks. The advisor must report the wrong one once (tiny_tasks) and
// the right one never. The seed's tiny_work sleeps 0.1 ms, which is long next to hetsched's own cost per task
// (about 1 us, BENCHMARKS.md) and so no mistake here; this tiny_work is a few arithmetic steps, far below that cost,
// which is the mistake the seed warns about at Ray's scale.
#include <cstdio>
#include <vector>

#include "advice_log.hpp"

namespace {

constexpr int call_count = 100000;
constexpr int calls_per_task = 1000;

int tiny_work(int x) {
  volatile int work = x;  // a few steps the compiler cannot drop
  for (int i = 0; i < 8; ++i) work = work + 0;
  return work;
}

std::vector<int> mega_work(int start, int end) {
  std::vector<int> results;
  for (int x = start; x < end; ++x) results.push_back(tiny_work(x));
  return results;
}

}  // namespace

int main(int argc, char** argv) {
  bool valid = false;
  const bool wrong = examples::wrong_variant(argc, argv, valid);
  if (!valid) return 2;
  examples::AdviceLog log;
  std::vector<int> results;
  {
    hetsched::Runtime runtime{log.config()};
    if (wrong) {
      std::vector<hetsched::ObjectRef<int>> refs;
      for (int x = 0; x < call_count; ++x) refs.push_back(runtime.task(tiny_work).remote(x));
      results = runtime.get(std::move(refs));
    } else {
      std::vector<hetsched::ObjectRef<std::vector<int>>> refs;
      for (int start = 0; start < call_count; start += calls_per_task) {
        refs.push_back(runtime.task(mega_work).remote(start, start + calls_per_task));
      }
      for (const std::vector<int>& batch : runtime.get(std::move(refs))) {
        results.insert(results.end(), batch.begin(), batch.end());
      }
    }
  }
  for (int x = 0; x < call_count; ++x) {
    if (results.size() != static_cast<std::size_t>(call_count) || results[static_cast<std::size_t>(x)] != x) {
      std::fprintf(stderr, "CHECK FAILED: the results are not [0, 1, ..., %d]\n", call_count - 1);
      return 1;
    }
  }
  return log.check(wrong, hetsched::AdviceKind::tiny_tasks);
}
