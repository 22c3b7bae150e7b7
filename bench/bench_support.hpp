/// @file bench_support.hpp
/// @brief What the benchmark programs share: quick mode, a reproducible runtime configuration, a clock around the
/// benchmark loop, latency summaries, the registry of baseline figures behind every ratio counter, and contenders
/// taken in turns within one benchmark.
///
/// A ratio counter (for example `vs_tbb`) is hetsched's figure divided by the baseline's, both measured in the same
/// process. Baselines are registered before the hetsched benchmarks, so they run first; a `--benchmark_filter` that
/// leaves a baseline out also leaves its ratio out. Where a figure must survive a shared, noisy machine, Contenders
/// runs hetsched and its baselines in turns inside every iteration of one benchmark instead.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include <hetsched/hetsched.hpp>

namespace hetsched_bench {

/// True when HETSCHED_BENCH_QUICK is set to anything but "" or "0": workloads shrink so a run takes seconds
/// (the ctest smoke runs use it; the figures in BENCHMARKS.md come from full-size runs).
inline bool quick_mode() {
  const char* value = std::getenv("HETSCHED_BENCH_QUICK");
  return value != nullptr && std::string_view(value) != "" && std::string_view(value) != "0";
}

/// `full` in a normal run, `quick` in quick mode.
template <class T>
T pick_size(T full, T quick) {
  return quick_mode() ? quick : full;
}

/// A runtime configuration with `num_cpus` CPU slots that ignores the HETSCHED_* environment, so a figure does not
/// depend on the shell it was taken in.
inline hetsched::Config config_with_cpus(int num_cpus) {
  hetsched::Config config;
  config.num_cpus = num_cpus;
  config.read_environment = false;
  return config;
}

/// config_with_cpus with the advisor on (`advice_on`, its reports dropped: the hooks run, nothing is printed) or
/// silenced, for measuring what the advisor costs.
inline hetsched::Config config_with_advice(int num_cpus, bool advice_on) {
  hetsched::Config config = config_with_cpus(num_cpus);
  if (advice_on) {
    config.advice = [](const hetsched::Advice&) {};
  } else {
    config.advice = nullptr;
  }
  return config;
}

/// Runs `body` once per benchmark iteration and returns the wall-clock seconds the whole loop took.
template <class Body>
double timed_loop(benchmark::State& state, Body&& body) {
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) body();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Runs `body` once per benchmark iteration and returns the wall-clock seconds of each iteration.
template <class Body>
std::vector<double> timed_iterations(benchmark::State& state, Body&& body) {
  std::vector<double> seconds;
  seconds.reserve(static_cast<std::size_t>(state.max_iterations));
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    body();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return seconds;
}

/// Sets items/s for `items_per_iteration` items in each iteration; returns the seconds spent per item.
inline double report_throughput(benchmark::State& state, double loop_seconds, std::size_t items_per_iteration) {
  const auto items = state.iterations() * static_cast<benchmark::IterationCount>(items_per_iteration);
  state.SetItemsProcessed(items);
  return items > 0 ? loop_seconds / static_cast<double>(items) : 0.0;
}

/// The `fraction` quantile (0.5 is the median) of `samples`, by nearest rank.
inline double quantile(std::vector<double> samples, double fraction) {
  if (samples.empty()) return 0.0;
  const auto rank = static_cast<std::size_t>(fraction * static_cast<double>(samples.size() - 1) + 0.5);
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(rank), samples.end());
  return samples[rank];
}

/// Reports the median, 90th and 99th percentile of per-iteration `seconds` as counters in microseconds; returns the
/// median in seconds.
inline double report_latency(benchmark::State& state, const std::vector<double>& seconds) {
  const double median = quantile(seconds, 0.5);
  state.counters["median_us"] = median * 1e6;
  state.counters["p90_us"] = quantile(seconds, 0.9) * 1e6;
  state.counters["p99_us"] = quantile(seconds, 0.99) * 1e6;
  return median;
}

/// Figures of the baselines measured in this process, by name (seconds per item, or whatever unit the hetsched
/// benchmark compares with). The benchmark loop runs on one thread, so no lock is needed.
class Baselines {
 public:
  /// Remembers the latest figure of baseline `name` (a benchmark function runs several times; the last run wins).
  static void record(const std::string& name, double figure) { figures()[name] = figure; }
  /// The figure of baseline `name`, when it ran in this process.
  static std::optional<double> find(const std::string& name) {
    auto found = figures().find(name);
    if (found == figures().end()) return std::nullopt;
    return found->second;
  }

 private:
  static std::map<std::string, double>& figures() {
    static std::map<std::string, double> by_name;
    return by_name;
  }
};

/// Sets counter `counter_name` to `figure` divided by the figure of baseline `baseline_name` (when that ran).
inline void report_ratio(benchmark::State& state, const std::string& counter_name, const std::string& baseline_name,
                         double figure) {
  if (auto baseline = Baselines::find(baseline_name); baseline && *baseline > 0.0) {
    state.counters[counter_name] = figure / *baseline;
  }
}

/// Several workloads measured in turns: every benchmark iteration runs each contender once, and the first to run moves
/// one place along the list from one iteration to the next. A change in the machine's load then lands on all of them
/// alike and none is always first (warm caches, awake workers), so a ratio of two contenders in the same iteration
/// stays meaningful where two separate benchmarks seconds apart would not. HETSCHED_BENCH_CONTENDER=name keeps only
/// that contender (to profile one side with perf); ratios that need a missing one are left out. Use from the
/// benchmark's thread only.
///
/// @code
///   hetsched_bench::Contenders contenders;
///   contenders.add("tbb", [&] { run_with_tbb(); });
///   contenders.add("hetsched", [&] { run_with_hetsched(); });
///   contenders.run(state);
///   contenders.report_ratio(state, "vs_tbb", "hetsched", "tbb");
/// @endcode
class Contenders {
 public:
  /// Adds a contender (unless HETSCHED_BENCH_CONTENDER names another); `body` runs once per iteration, timed alone.
  void add(std::string name, std::function<void()> body) {
    const char* only = std::getenv("HETSCHED_BENCH_CONTENDER");
    if (only != nullptr && *only != '\0' && name != only) return;
    names_.push_back(std::move(name));
    bodies_.push_back(std::move(body));
    seconds_.emplace_back();
  }

  /// The benchmark loop: one iteration runs every contender once, in rotated order.
  void run(benchmark::State& state) {
    std::size_t first = 0;
    for (auto _ : state) {
      for (std::size_t k = 0; k < bodies_.size(); ++k) {
        const std::size_t i = (first + k) % bodies_.size();
        const auto start = std::chrono::steady_clock::now();
        bodies_[i]();
        seconds_[i].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      }
      first = (first + 1) % bodies_.size();
    }
  }

  /// The median seconds of one run of contender `name`, when it ran.
  std::optional<double> median_seconds(const std::string& name) const {
    const std::vector<double>* seconds = seconds_of(name);
    if (!seconds || seconds->empty()) return std::nullopt;
    return quantile(*seconds, 0.5);
  }

  /// Sets counter `counter_name` to the median, over iterations, of `subject`'s seconds divided by `baseline`'s in
  /// the same iteration (when both ran).
  void report_ratio(benchmark::State& state, const std::string& counter_name, const std::string& subject,
                    const std::string& baseline) const {
    const std::vector<double>* top = seconds_of(subject);
    const std::vector<double>* bottom = seconds_of(baseline);
    if (!top || !bottom) return;
    std::vector<double> ratios;
    for (std::size_t k = 0; k < top->size() && k < bottom->size(); ++k) {
      if ((*bottom)[k] > 0.0) ratios.push_back((*top)[k] / (*bottom)[k]);
    }
    if (!ratios.empty()) state.counters[counter_name] = quantile(std::move(ratios), 0.5);
  }

  /// Sets counter `<name>_ns_per_task` of every contender: its median run divided by `tasks_per_run`.
  void report_per_task(benchmark::State& state, std::size_t tasks_per_run) const {
    for (const std::string& name : names_) {
      if (auto seconds = median_seconds(name)) {
        state.counters[name + "_ns_per_task"] = *seconds / static_cast<double>(tasks_per_run) * 1e9;
      }
    }
  }

 private:
  const std::vector<double>* seconds_of(const std::string& name) const {
    auto found = std::find(names_.begin(), names_.end(), name);
    if (found == names_.end()) return nullptr;
    return &seconds_[static_cast<std::size_t>(found - names_.begin())];
  }

  std::vector<std::string> names_;
  std::vector<std::function<void()>> bodies_;
  std::vector<std::vector<double>> seconds_;
};

}  // namespace hetsched_bench
