// A throughput rule for idle cores on top of dmdas, after StarPU's heteroprio (cores take the kinds the GPUs gain
// least on, GPUs the others). Earliest finish per task sends a task to a GPU whenever a GPU would finish it first,
// even while the GPUs are the machine's bottleneck and the cores idle; the GPU time it takes is then missing for the
// work that becomes ready later (issue 12's 12x12 Cholesky: every TRSM finishes first on a GPU, and the GPU work
// alone is 1.6x the bound). Here a core that is free now takes a task of the default priority or lower, with a CPU
// and a GPU body, when it would finish it within idle_core_horizon times the GPUs' drain (the work placed on and
// committed to them, and the tasks queued behind this one at its GPU time, shared over the GPUs): the GPUs stay busy
// with other work meanwhile, so the task is not late by much, and its GPU run is freed for the work behind it. A
// task the GPUs gain little on has a short CPU run for its GPU time and passes first, which is heteroprio's order; a
// GEMM (31x on mirage) passes only behind a long GPU backlog. A task above the default priority is on the critical
// path, and every task the rule does not take goes to dmdas (earliest finish over the committed queues).
#include "hetsched/detail/resource_demand.hpp"
#include "scheduler/policy.hpp"

namespace hetsched::detail {
namespace {

/// The priority TaskBuilder gives a task unless told otherwise; above it a task is treated as critical.
constexpr int default_priority = 0;
/// How far past the GPUs' drain an idle core may finish a task and still take it: the GPUs' queue refills while it
/// drains, so they stay busy past it. Chosen from the simulated Cholesky (BENCHMARKS.md: 2 to 4 do about as well;
/// 1 is dmdas's own test, 10 and more put GEMMs on the cores and lose).
constexpr double idle_core_horizon = 3.0;

class HeteroprioPolicy final : public Policy {
 public:
  Decision decide(const Snapshot& snapshot) const override {
    if (snapshot.task.priority <= default_priority) {
      const std::size_t cpu = cpu_body_index(snapshot);
      if (cpu < snapshot.task.variants.size() && idle_core_takes(snapshot, cpu)) {
        return Decision::place({}, static_cast<int>(cpu));
      }
    }
    return dmdas_->decide(snapshot);
  }
  std::string_view name() const noexcept override { return "heteroprio"; }
  bool uses_models() const noexcept override { return true; }

 private:
  /// The index of the task's CPU body when it has two, a CPU body and a single-device GPU body, both calibrated and
  /// able to run on this machine; else the number of its bodies.
  static std::size_t cpu_body_index(const Snapshot& snapshot) {
    const auto& variants = snapshot.task.variants;
    if (variants.size() != 2) return variants.size();
    const std::size_t cpu = variants[0].on_gpu() ? 1 : 0;
    const VariantView& cpu_body = variants[cpu];
    const VariantView& gpu_body = variants[1 - cpu];
    if (cpu_body.on_gpu() || !gpu_body.on_gpu() || gpu_body.gpu_units > units_per_resource) return variants.size();
    for (const VariantView* body : {&cpu_body, &gpu_body}) {
      if (body->predicted_s < 0 || body->samples < snapshot.calibration_samples) return variants.size();
      if (!could_ever_fit(snapshot, *body)) return variants.size();
    }
    return cpu;
  }

  /// True when a core is free now (nothing committed to the CPUs goes first) and it would finish CPU body `cpu`
  /// within idle_core_horizon times the GPUs' drain.
  static bool idle_core_takes(const Snapshot& snapshot, std::size_t cpu) {
    const VariantView& cpu_body = snapshot.task.variants[cpu];
    if (!fits_now(snapshot, cpu_body) || snapshot.cpus_committed > 0) return false;
    const double cpu_finish = input_transfer_seconds(snapshot, -1) + cpu_body.predicted_s;
    return cpu_finish <= idle_core_horizon * gpus_drain_in_s(snapshot, snapshot.task.variants[1 - cpu]);
  }

  /// Predicted seconds until the GPUs that could run `gpu_body` have run out of the work waiting for them: what is
  /// placed on and committed to them, and the tasks queued behind this one at its GPU time, shared evenly.
  static double gpus_drain_in_s(const Snapshot& snapshot, const VariantView& gpu_body) {
    double waiting = static_cast<double>(snapshot.task.queued_behind) * gpu_body.predicted_s;
    std::size_t holders = 0;
    for (const GpuView& gpu : snapshot.gpus) {
      if (gpu.total_memory < gpu_body.gpu_memory) continue;
      waiting += gpu.available_in_s;
      ++holders;
    }
    return holders == 0 ? 0.0 : waiting / static_cast<double>(holders);
  }

  std::unique_ptr<Policy> dmdas_ = make_dmdas_policy();
};

}  // namespace

std::unique_ptr<Policy> make_heteroprio_policy() { return std::make_unique<HeteroprioPolicy>(); }

}  // namespace hetsched::detail
