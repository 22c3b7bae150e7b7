// The advisor's twin of seeds/000 tip 4 ("Pipeline data processing"): four tasks of different lengths, then 0.1 s of
// processing per result. `wrong` gets all four, then processes them; `right` processes each as wait(refs, 1) hands
// it over. The advisor must report the wrong one once (get_all_then_process) and the right one never. The task
// lengths are fixed (0.1 to 0.4 s, where the seed draws uniform(0, 4) s), so the test is the same on every run.
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "advice_log.hpp"

namespace {

int do_some_work(int x) {
  std::this_thread::sleep_for(std::chrono::milliseconds(100) * (x + 1));
  return x;
}

int process(int sum, int result) {
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return sum + result;
}

}  // namespace

int main(int argc, char** argv) {
  bool valid = false;
  const bool wrong = examples::wrong_variant(argc, argv, valid);
  if (!valid) return 2;
  examples::AdviceLog log;
  int sum = 0;
  {
    hetsched::Runtime runtime{log.config()};
    std::vector<hetsched::ObjectRef<int>> refs;
    for (int x = 0; x < 4; ++x) refs.push_back(runtime.task(do_some_work).remote(x));
    if (wrong) {
      for (int result : runtime.get(std::move(refs))) sum = process(sum, result);
    } else {
      while (!refs.empty()) {
        hetsched::WaitResult<int> waited = runtime.wait(std::move(refs), 1);
        sum = process(sum, runtime.get(waited.ready.at(0)));
        refs = std::move(waited.not_ready);
      }
    }
  }
  if (sum != 6) {
    std::fprintf(stderr, "CHECK FAILED: the sum is %d, not 6\n", sum);
    return 1;
  }
  return log.check(wrong, hetsched::AdviceKind::get_all_then_process);
}
