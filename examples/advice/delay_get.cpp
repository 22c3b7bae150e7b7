// The advisor's twin of seeds/000 tip 1 ("Delay ray.get()"): `wrong` gets each do_some_work task right after
// submitting it, so the four run one after another; `right` submits all four, then gets them once. The advisor must
// report the wrong one once (get_in_submit_loop) and the right one never. Sleeps are 0.2 s instead of the seed's 1 s
// to keep the test short.
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "advice_log.hpp"

namespace {

int do_some_work(int x) {
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return x;
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
      for (int x = 0; x < 4; ++x) results.push_back(runtime.get(runtime.task(do_some_work).remote(x)));
    } else {
      std::vector<hetsched::ObjectRef<int>> refs;
      for (int x = 0; x < 4; ++x) refs.push_back(runtime.task(do_some_work).remote(x));
      results = runtime.get(refs);
    }
  }
  if (results != std::vector<int>{0, 1, 2, 3}) {
    std::fprintf(stderr, "CHECK FAILED: the results are not [0, 1, 2, 3]\n");
    return 1;
  }
  return log.check(wrong, hetsched::AdviceKind::get_in_submit_loop);
}
