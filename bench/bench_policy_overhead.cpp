// Workload: what the `model` placement policy costs per task over `pack`. Empty tasks that take one CPU and a small
// share of one
// logical GPU (so every task is placed by its policy; a CPU-only task with one body never consults one) are
// submitted and gathered, 20k per run, by two runtimes that differ only in their policy; the two take turns in
// every iteration (Contenders), so their ratio is taken on the same machine state. A third runtime runs variants()
// tasks (a CPU and a GPU body) under `model`: the policy prices both bodies, and their run times are recorded; a
// fourth and a fifth run the same tasks under `dmdas` and under `heteroprio` (its idle-core test, then dmdas).
// Target (issue 11): model_minus_pack_ns_per_task <= 300.
// HETSCHED_BENCH_QUICK=1 runs a tenth of the tasks.

#include <cstddef>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <hetsched/hetsched.hpp>

#include "bench_support.hpp"

namespace {

std::size_t task_count() { return hetsched_bench::pick_size<std::size_t>(20'000, 2'000); }

/// Two CPUs and one logical GPU, placed by `policy`.
hetsched::Config config_with_policy(const std::string& policy) {
  hetsched::Config config = hetsched_bench::config_with_cpus(2);
  config.num_gpus = 1;
  config.placement_policy = policy;
  return config;
}

/// Submits `count` tasks from `builder` and gets them all.
template <class Builder>
void submit_and_get(hetsched::Runtime& runtime, Builder& builder, std::size_t count) {
  std::vector<hetsched::ObjectRef<void>> refs;
  refs.reserve(count);
  for (std::size_t i = 0; i < count; ++i) refs.push_back(builder.remote());
  runtime.get(refs);
}

void policy_overhead(benchmark::State& state) {
  const std::size_t count = task_count();
  hetsched::Runtime pack{config_with_policy("pack")};
  hetsched::Runtime model{config_with_policy("model")};
  hetsched::Runtime model_variants{config_with_policy("model")};
  hetsched::Runtime dmdas_variants{config_with_policy("dmdas")};
  hetsched::Runtime heteroprio_variants{config_with_policy("heteroprio")};
  auto empty = [] {};
  auto pack_task = pack.task(empty).cpus(1).gpus(0.001).name("empty");
  auto model_task = model.task(empty).cpus(1).gpus(0.001).name("empty");
  auto variants_task =
      model_variants.task(hetsched::variants(empty, empty)).cpus(0.001).gpus(0.001).name("empty_variants");
  auto dmdas_task =
      dmdas_variants.task(hetsched::variants(empty, empty)).cpus(0.001).gpus(0.001).name("empty_variants");
  auto heteroprio_task =
      heteroprio_variants.task(hetsched::variants(empty, empty)).cpus(0.001).gpus(0.001).name("empty_variants");
  hetsched_bench::Contenders contenders;
  contenders.add("pack", [&] { submit_and_get(pack, pack_task, count); });
  contenders.add("model", [&] { submit_and_get(model, model_task, count); });
  contenders.add("model_variants", [&] { submit_and_get(model_variants, variants_task, count); });
  contenders.add("dmdas_variants", [&] { submit_and_get(dmdas_variants, dmdas_task, count); });
  contenders.add("heteroprio_variants", [&] { submit_and_get(heteroprio_variants, heteroprio_task, count); });
  contenders.run(state);
  contenders.report_per_task(state, count);
  contenders.report_ratio(state, "model_vs_pack", "model", "pack");
  auto pack_seconds = contenders.median_seconds("pack");
  auto model_seconds = contenders.median_seconds("model");
  if (pack_seconds && model_seconds) {
    state.counters["model_minus_pack_ns_per_task"] = (*model_seconds - *pack_seconds) / static_cast<double>(count) * 1e9;
  }
}

}  // namespace

BENCHMARK(policy_overhead)->Unit(benchmark::kMillisecond)->UseRealTime();
