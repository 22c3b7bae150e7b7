// Workload: fan-out and fan-in. hetsched submits 20k tasks that each read one shared ref (a `put` int, reaching the
// callable as `const int&`), then one task that sums their results. A std::vector<ObjectRef<int>> is not a dependency
// argument (bind_task waits only for ObjectRef and buffer arguments; a vector of refs is stored as a plain value), so
// the sum task takes the refs as a value and gets them inside (`ctx.runtime().get(parts)`, a nested get, which runs
// or waits for the readers on its thread), and the host gets the sum: contender `sum_task`. Contender `host_sum`
// leaves the sum task out: the host gets the vector of results and adds them up, so the two differ by the nested get.
// Baselines, taken in turns with both inside every iteration (hetsched_bench::Contenders):
//  - independent: hetsched's own independent-task figure, 20k tasks taking a value (not a ref), submitted, then the
//    host gets the vector and sums it (vs_independent: fan-out time over this one's; target <= 1.5);
//  - tbb: raw oneTBB, tbb::task_group::run of 20k lambdas, each reading the shared value and writing its slot, then
//    wait and sum on the calling thread (vs_tbb).
// Ratios are medians, over iterations, of the two times taken in the same iteration. All hetsched contenders share one
// runtime. HETSCHED_BENCH_QUICK=1 runs 2000 readers.

#include <cstddef>
#include <numeric>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_group.h>

#include <hetsched/hetsched.hpp>

#include "bench_support.hpp"

namespace {

constexpr int shared_value = 41;

std::size_t reader_count() { return hetsched_bench::pick_size<std::size_t>(20'000, 2'000); }

long sum_of(const std::vector<int>& values) { return std::accumulate(values.begin(), values.end(), 0L); }

void fan_out(benchmark::State& state) {
  const std::size_t count = reader_count();
  const long expected = static_cast<long>(count) * (shared_value + 1);
  hetsched::Runtime runtime{hetsched_bench::config_with_cpus(tbb::info::default_concurrency())};
  const hetsched::ObjectRef<int> shared = runtime.put(shared_value);
  auto increment = runtime.task([](int x) { return x + 1; });
  auto read_shared = runtime.task([](const int& x) { return x + 1; });
  auto sum_parts = runtime.task([](hetsched::TaskContext& context, std::vector<hetsched::ObjectRef<int>> parts) {
    return sum_of(context.runtime().get(parts));
  });
  std::vector<int> tbb_results(count);
  bool correct = true;

  auto submit_readers = [&] {
    std::vector<hetsched::ObjectRef<int>> refs;
    refs.reserve(count);
    for (std::size_t i = 0; i < count; ++i) refs.push_back(read_shared.remote(shared));
    return refs;
  };

  hetsched_bench::Contenders contenders;
  contenders.add("tbb", [&] {
    const int& value = shared_value;
    tbb::task_group group;
    for (std::size_t i = 0; i < count; ++i) group.run([&tbb_results, &value, i] { tbb_results[i] = value + 1; });
    group.wait();
    correct = correct && sum_of(tbb_results) == expected;
  });
  contenders.add("independent", [&] {
    std::vector<hetsched::ObjectRef<int>> refs;
    refs.reserve(count);
    for (std::size_t i = 0; i < count; ++i) refs.push_back(increment.remote(shared_value));
    correct = correct && sum_of(runtime.get(refs)) == expected;
  });
  contenders.add("sum_task", [&] {
    correct = correct && runtime.get(sum_parts.remote(submit_readers())) == expected;
  });
  contenders.add("host_sum", [&] {
    const std::vector<hetsched::ObjectRef<int>> refs = submit_readers();
    correct = correct && sum_of(runtime.get(refs)) == expected;
  });
  contenders.run(state);

  if (!correct) state.SkipWithError("a contender summed wrong");
  contenders.report_per_task(state, count);
  contenders.report_ratio(state, "independent_vs_tbb", "independent", "tbb");
  for (const std::string fan_in : {"sum_task", "host_sum"}) {
    contenders.report_ratio(state, fan_in + "_vs_independent", fan_in, "independent");
    contenders.report_ratio(state, fan_in + "_vs_tbb", fan_in, "tbb");
  }
}

}  // namespace

// The Time column is one iteration: one run of every contender.
BENCHMARK(fan_out)->Unit(benchmark::kMillisecond)->UseRealTime();
