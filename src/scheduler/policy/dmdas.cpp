// StarPU's dmdas over hetsched's committed queues. Where model answers "wait" for a busy device, dmdas commits the
// task to the device it would finish on first: the scheduler keeps it in that device's committed queue (by
// priority), may start moving its inputs there, and counts its predicted run in that device's availability for the
// tasks decided after it. So a GPU's backlog grows with what is committed to it, and a task spills to the CPUs once
// it would finish there first, as with StarPU's per-worker queues. The price of a place is dmda's fitness with
// alpha = beta = 1: the predicted finish (the wait, then the copies, or the two overlapped where the scheduler
// prefetches a committed task's inputs, plus the run) plus the copies' time.
#include <algorithm>
#include <limits>

#include "hetsched/detail/resource_demand.hpp"
#include "scheduler/policy.hpp"

namespace hetsched::detail {
namespace {

/// Weight of the copies' time in the price, on top of the finish they delay (StarPU's STARPU_SCHED_BETA default).
constexpr double transfer_weight = 1.0;

/// The cheapest place found so far.
struct Best {
  double price = std::numeric_limits<double>::infinity();
  Decision::Kind kind = Decision::Kind::infeasible;
  int variant = 0;
  int device = -1;  ///< -1: the CPUs.

  /// Keeps this answer when strictly cheaper (earlier bodies and devices win ties).
  void offer(double at, Decision::Kind answer, int body, int on_device) {
    if (!(at < price)) return;
    price = at;
    kind = answer;
    variant = body;
    device = on_device;
  }
  Decision decision() const {
    switch (kind) {
      case Decision::Kind::place:
        return device < 0 ? Decision::place({}, variant) : Decision::place({device}, variant);
      case Decision::Kind::commit:
        return Decision::commit(device, variant);
      case Decision::Kind::wait:
        return Decision::wait();
      case Decision::Kind::infeasible:
        break;
    }
    return Decision::infeasible();
  }
};

class DmdasPolicy final : public Policy {
 public:
  Decision decide(const Snapshot& snapshot) const override {
    const auto& variants = snapshot.task.variants;
    for (const VariantView& variant : variants) {
      // Calibration, and bodies spanning several devices, are model's business (no commitment for those).
      if (!could_ever_fit(snapshot, variant)) continue;
      if (variant.predicted_s < 0 || variant.samples < snapshot.calibration_samples ||
          variant.gpu_units > units_per_resource) {
        return model_->decide(snapshot);
      }
    }
    Best best;
    for (std::size_t v = 0; v < variants.size(); ++v) {
      if (could_ever_fit(snapshot, variants[v])) price(snapshot, v, best);
    }
    return best.decision();
  }
  std::string_view name() const noexcept override { return "dmdas"; }
  bool uses_models() const noexcept override { return true; }

 private:
  /// What an unfree place comes to: a commitment while there is room for one, else a wait.
  static Decision::Kind later(const Snapshot& snapshot, std::uint32_t committed) noexcept {
    return committed < snapshot.commit_limit ? Decision::Kind::commit : Decision::Kind::wait;
  }

  /// When a task committed to a device that frees in `wait_s` finishes, with `copies` seconds of input copies and a
  /// run of `run` seconds: the copies overlap the wait when the scheduler prefetches, else they follow it.
  static double finish_after(const Snapshot& snapshot, double wait_s, double copies, double run) noexcept {
    return (snapshot.commit_prefetches ? std::max(wait_s, copies) : wait_s + copies) + run;
  }

  /// Offers every place body `v` could run to `best`.
  static void price(const Snapshot& snapshot, std::size_t v, Best& best) {
    const VariantView& variant = snapshot.task.variants[v];
    const int index = static_cast<int>(v);
    const double run = variant.predicted_s;
    if (!variant.on_gpu()) {
      const double copies = input_transfer_seconds(snapshot, -1);
      if (fits_now(snapshot, variant) && snapshot.cpus_committed == 0) {
        best.offer(copies + run + transfer_weight * copies, Decision::Kind::place, index, -1);
      } else {
        best.offer(finish_after(snapshot, snapshot.cpus_available_in_s, copies, run) + transfer_weight * copies,
                   later(snapshot, snapshot.cpus_committed), index, -1);
      }
      return;
    }
    const bool cpus_free = variant.cpu_units <= 0 || variant.cpu_units <= snapshot.free_cpu_units;
    const std::int64_t units_needed = std::min(variant.gpu_units, units_per_resource);
    for (std::size_t d = 0; d < snapshot.gpus.size(); ++d) {
      const GpuView& gpu = snapshot.gpus[d];
      if (gpu.total_memory < variant.gpu_memory) continue;
      const int device = static_cast<int>(d);
      const double copies = input_transfer_seconds(snapshot, device);
      const bool free =
          cpus_free && gpu.committed == 0 && gpu.free_units >= units_needed && gpu.free_memory >= variant.gpu_memory;
      if (free) {
        best.offer(copies + run + transfer_weight * copies, Decision::Kind::place, index, device);
      } else {
        best.offer(finish_after(snapshot, gpu.available_in_s, copies, run) + transfer_weight * copies,
                   later(snapshot, gpu.committed), index, device);
      }
    }
  }

  std::unique_ptr<Policy> model_ = make_model_policy();
};

}  // namespace

std::unique_ptr<Policy> make_dmdas_policy() { return std::make_unique<DmdasPolicy>(); }

}  // namespace hetsched::detail
