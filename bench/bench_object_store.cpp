// Workload: the object store behind the seed's tip 3 ("put a large object once, pass its ref").
//  - Small objects (int): put of a new object (dropped at once) and get of a ready one, cycling over 1024 refs.
//    Baselines in this binary: std::make_shared<int>, and reading through a std::shared_ptr<int>.
//    Target: >= 1M ops/s each (items_per_second).
//  - A 200 MB std::vector<double>: put of the rvalue, get of it by const reference, then get of the rvalue ref, which
//    moves the vector back out (counters put_us and get_us split the time; copied=1 would mean the buffer changed).
//    Baseline in this binary: copying the vector (what a store that copies would pay).
//    Target: put + get <= 1 ms, i.e. no copy (counter vs_copy is the ratio to the copy).
// HETSCHED_BENCH_QUICK=1 uses a 20 MB vector.

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include <benchmark/benchmark.h>
#include <oneapi/tbb/info.h>

#include <hetsched/hetsched.hpp>

#include "bench_support.hpp"

namespace {

using hetsched_bench::Baselines;
using Clock = std::chrono::steady_clock;

constexpr std::size_t small_object_count = 1024;  // a power of two: the get loops cycle with a mask

std::size_t large_vector_doubles() {
  return hetsched_bench::pick_size<std::size_t>(25'000'000, 2'500'000);  // 200 MB, 20 MB
}

hetsched::Config store_config() { return hetsched_bench::config_with_cpus(tbb::info::default_concurrency()); }

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void small_put_shared_ptr(benchmark::State& state) {
  int value = 0;
  const double seconds = hetsched_bench::timed_loop(state, [&] {
    auto pointer = std::make_shared<int>(value++);
    benchmark::DoNotOptimize(pointer);
  });
  Baselines::record("small_put_shared_ptr", hetsched_bench::report_throughput(state, seconds, 1));
}

void small_put_hetsched(benchmark::State& state) {
  hetsched::Runtime runtime{store_config()};
  int value = 0;
  const double seconds = hetsched_bench::timed_loop(state, [&] {
    auto ref = runtime.put(value++);
    benchmark::DoNotOptimize(ref);
  });
  const double per_put = hetsched_bench::report_throughput(state, seconds, 1);
  hetsched_bench::report_ratio(state, "vs_shared_ptr", "small_put_shared_ptr", per_put);
}

void small_get_shared_ptr(benchmark::State& state) {
  std::vector<std::shared_ptr<int>> pointers;
  for (std::size_t i = 0; i < small_object_count; ++i) pointers.push_back(std::make_shared<int>(static_cast<int>(i)));
  std::size_t next = 0;
  const double seconds = hetsched_bench::timed_loop(state, [&] {
    const int& value = *pointers[next++ & (small_object_count - 1)];
    benchmark::DoNotOptimize(value);
  });
  Baselines::record("small_get_shared_ptr", hetsched_bench::report_throughput(state, seconds, 1));
}

void small_get_hetsched(benchmark::State& state) {
  hetsched::Runtime runtime{store_config()};
  std::vector<hetsched::ObjectRef<int>> refs;
  for (std::size_t i = 0; i < small_object_count; ++i) refs.push_back(runtime.put(static_cast<int>(i)));
  std::size_t next = 0;
  const double seconds = hetsched_bench::timed_loop(state, [&] {
    const int& value = runtime.get(refs[next++ & (small_object_count - 1)]);
    benchmark::DoNotOptimize(value);
  });
  const double per_get = hetsched_bench::report_throughput(state, seconds, 1);
  hetsched_bench::report_ratio(state, "vs_shared_ptr", "small_get_shared_ptr", per_get);
}

void large_vector_copy(benchmark::State& state) {
  const std::vector<double> original(large_vector_doubles(), 1.0);
  const double seconds = hetsched_bench::timed_loop(state, [&] {
    std::vector<double> copy = original;
    benchmark::DoNotOptimize(copy.data());
    benchmark::ClobberMemory();
  });
  Baselines::record("large_vector_copy", hetsched_bench::report_throughput(state, seconds, 1));
  const auto bytes = static_cast<benchmark::IterationCount>(original.size() * sizeof(double));
  state.SetBytesProcessed(state.iterations() * bytes);
}

void large_vector_put_get_hetsched(benchmark::State& state) {
  hetsched::Runtime runtime{store_config()};
  std::vector<double> vector(large_vector_doubles(), 1.0);
  const double* const buffer = vector.data();
  bool copied = false;
  double put_seconds = 0.0;
  double get_seconds = 0.0;
  const double seconds = hetsched_bench::timed_loop(state, [&] {
    const auto put_start = Clock::now();
    auto ref = runtime.put(std::move(vector));
    put_seconds += seconds_since(put_start);
    const auto get_start = Clock::now();
    const std::vector<double>& stored = runtime.get(ref);
    copied = copied || stored.data() != buffer;
    vector = runtime.get(std::move(ref));  // the only ref: the vector is moved back out for the next iteration
    get_seconds += seconds_since(get_start);
  });
  copied = copied || vector.data() != buffer;
  const double per_round = hetsched_bench::report_throughput(state, seconds, 1);
  hetsched_bench::report_ratio(state, "vs_copy", "large_vector_copy", per_round);
  const auto iterations = static_cast<double>(state.iterations());
  state.counters["put_us"] = put_seconds / iterations * 1e6;
  state.counters["get_us"] = get_seconds / iterations * 1e6;
  state.counters["copied"] = copied ? 1.0 : 0.0;
}

}  // namespace

// Each baseline before the hetsched benchmark that divides by its figure.
BENCHMARK(small_put_shared_ptr)->UseRealTime();
BENCHMARK(small_put_hetsched)->UseRealTime();
BENCHMARK(small_get_shared_ptr)->UseRealTime();
BENCHMARK(small_get_hetsched)->UseRealTime();
BENCHMARK(large_vector_copy)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(large_vector_put_get_hetsched)->Unit(benchmark::kMicrosecond)->UseRealTime();
