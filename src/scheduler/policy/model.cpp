// Earliest predicted finish, StarPU's dmda over hetsched's queues. Each place a body could run is priced:
//  - where it fits now: the transfers of its inputs that are not valid there, plus its modelled run time;
//  - where it must wait: the predicted wait for that device, the transfers, and its run time once for each of the
//    tasks of its class that would queue there with it (the head of a class stands for the last of them: a free CPU
//    should take a task off a long GPU queue when it would finish it before that queue drains, as dmda's growing
//    expected end time has it).
// A GPU body first picks its GPU by the finish of this task alone (the queue spreads over the GPUs whichever this one
// takes), so it waits for the GPU that holds its inputs rather than copy them to a free one that would finish it
// later; a wait that keeps the tasks behind it off a free GPU counts twice.
// The cheapest wins, as a placement when it fits now and a wait otherwise. Bodies the models have not measured
// enough are calibrated first, StarPU's way: the least measured body that fits now runs (on the device pack would
// choose), so a task with a CPU and a GPU body gets measured on both before the models are trusted.
#include <algorithm>
#include <cmath>
#include <limits>

#include "hetsched/detail/resource_demand.hpp"
#include "scheduler/policy.hpp"

namespace hetsched::detail {
namespace {

/// pack's preference: the fitting device with the least capacity left.
bool tighter(const Snapshot& s, int candidate, int best) {
  return s.gpus[static_cast<std::size_t>(candidate)].free_units < s.gpus[static_cast<std::size_t>(best)].free_units;
}

/// Seconds to bring every input to memory node `node` from its cheapest valid replica.
double transfer_seconds_to(const Snapshot& snapshot, int node) { return input_transfer_seconds(snapshot, node); }

/// The cheapest place found so far, kept as plain fields (the decision is made once, at the end: no allocation per
/// place priced).
struct Option {
  double finish = std::numeric_limits<double>::infinity();
  Decision::Kind kind = Decision::Kind::infeasible;
  int variant = 0;
  int device = -1;           ///< For a placement on one device; -1 on the CPUs.
  std::vector<int> devices;  ///< For a placement on several whole devices.

  /// Keeps this answer when it finishes strictly earlier (so earlier bodies and devices win ties).
  void offer(double at, Decision::Kind answer, int body, int on_device) {
    if (!(at < finish)) return;
    finish = at;
    kind = answer;
    variant = body;
    device = on_device;
    devices.clear();
  }
  Decision decision() const {
    if (kind != Decision::Kind::place) return kind == Decision::Kind::wait ? Decision::wait() : Decision::infeasible();
    if (!devices.empty()) return Decision::place(devices, variant);
    return device < 0 ? Decision::place({}, variant) : Decision::place({device}, variant);
  }
};

class ModelPolicy final : public Policy {
 public:
  Decision decide(const Snapshot& snapshot) const override {
    const auto& variants = snapshot.task.variants;
    for (const VariantView& variant : variants) {
      if (could_ever_fit(snapshot, variant) && !calibrated(snapshot, variant)) return calibrate(snapshot);
    }
    Option best;
    for (std::size_t v = 0; v < variants.size(); ++v) {
      if (could_ever_fit(snapshot, variants[v])) price(snapshot, v, best);
    }
    return best.decision();
  }
  std::string_view name() const noexcept override { return "model"; }
  bool uses_models() const noexcept override { return true; }

 private:
  static bool calibrated(const Snapshot& snapshot, const VariantView& variant) noexcept {
    return variant.predicted_s >= 0 && variant.samples >= snapshot.calibration_samples;
  }

  /// The least measured uncalibrated body that fits now, on pack's device; else pack's choice over every body.
  static Decision calibrate(const Snapshot& snapshot) {
    const auto& variants = snapshot.task.variants;
    std::size_t chosen = variants.size();
    for (std::size_t v = 0; v < variants.size(); ++v) {
      const VariantView& variant = variants[v];
      if (calibrated(snapshot, variant) || !could_ever_fit(snapshot, variant) || !fits_now(snapshot, variant)) continue;
      if (chosen == variants.size() || variant.samples < variants[chosen].samples) chosen = v;
    }
    if (chosen != variants.size()) return choose_devices(snapshot, chosen, tighter);
    return first_placeable_variant(snapshot, [&](std::size_t v) { return choose_devices(snapshot, v, tighter); });
  }

  /// Offers every place body `v` could run to `best`.
  static void price(const Snapshot& snapshot, std::size_t v, Option& best) {
    const VariantView& variant = snapshot.task.variants[v];
    const int index = static_cast<int>(v);
    const double run = variant.predicted_s;
    const double queue = static_cast<double>(snapshot.task.queued_behind) + 1;  // this task and those behind it
    if (!variant.on_gpu()) {
      const double transfers = transfer_seconds_to(snapshot, -1);
      if (fits_now(snapshot, variant)) {
        best.offer(transfers + run, Decision::Kind::place, index, -1);
      } else {
        const double slots = variant.cpu_units > 0
                                 ? std::max(1.0, std::floor(static_cast<double>(snapshot.total_cpu_units) /
                                                            static_cast<double>(variant.cpu_units)))
                                 : 1.0;
        best.offer(snapshot.cpus_available_in_s + transfers + std::ceil(queue / slots) * run, Decision::Kind::wait,
                   index, -1);
      }
      return;
    }
    if (variant.gpu_units > units_per_resource) {
      // Several whole devices: where pack puts them, priced at the slowest of them to become free and reach.
      Decision decision = choose_devices(snapshot, v, tighter);
      if (decision.kind == Decision::Kind::infeasible) return;
      double start = 0;
      double transfers = 0;
      for (int d : decision.gpus) transfers = std::max(transfers, transfer_seconds_to(snapshot, d));
      if (decision.kind == Decision::Kind::wait) {
        for (const GpuView& gpu : snapshot.gpus) start = std::max(start, gpu.available_in_s);
      }
      const double finish = start + transfers + (decision.kind == Decision::Kind::wait ? queue : 1) * run;
      if (finish < best.finish) {
        best.offer(finish, decision.kind, index, -1);
        best.devices = std::move(decision.gpus);
      }
      return;
    }
    const bool cpus_free = variant.cpu_units <= 0 || variant.cpu_units <= snapshot.free_cpu_units;
    const std::int64_t units_needed = std::min(variant.gpu_units, units_per_resource);
    std::size_t holders = 0;  // devices that could ever hold it: the queue spreads over them while it waits
    for (const GpuView& gpu : snapshot.gpus) holders += gpu.total_memory >= variant.gpu_memory ? 1 : 0;
    const double share = std::ceil(queue / static_cast<double>(std::max<std::size_t>(holders, 1)));
    // First the GPU this body would use, each priced at its wait, the copies of the inputs and one run: the queue
    // behind the task spreads over the GPUs, so it does not weigh on which of them. But while the head of a queue
    // waits, the tasks behind it wait too, so a wait that leaves a GPU idle that one of them could use counts twice.
    const auto fits_on = [&](const GpuView& gpu) {
      return cpus_free && gpu.free_units >= units_needed && gpu.free_memory >= variant.gpu_memory;
    };
    const bool some_gpu_fits = std::any_of(snapshot.gpus.begin(), snapshot.gpus.end(), fits_on);
    const double wait_weight = queue > 1 && some_gpu_fits ? 2.0 : 1.0;
    double chosen_price = std::numeric_limits<double>::infinity();
    double chosen_transfers = 0;
    int chosen = -1;
    bool chosen_fits = false;
    for (std::size_t d = 0; d < snapshot.gpus.size(); ++d) {
      const GpuView& gpu = snapshot.gpus[d];
      if (gpu.total_memory < variant.gpu_memory) continue;
      const int device = static_cast<int>(d);
      const bool fits = fits_on(gpu);
      const double transfers = transfer_seconds_to(snapshot, device);
      const double price = (fits ? 0 : wait_weight * gpu.available_in_s) + transfers + run;
      const bool better = price < chosen_price ||
                          (price == chosen_price && fits && chosen_fits && tighter(snapshot, device, chosen));
      if (better) {
        chosen_price = price;
        chosen_transfers = transfers;
        chosen = device;
        chosen_fits = fits;
      }
    }
    if (chosen < 0) return;
    // Then against the other bodies: a wait stands for the whole queue behind it, shared over the GPUs (so a free
    // CPU takes a task off a long GPU queue when it would finish it before that queue drains).
    if (chosen_fits) {
      best.offer(chosen_transfers + run, Decision::Kind::place, index, chosen);
    } else {
      best.offer(snapshot.gpus[static_cast<std::size_t>(chosen)].available_in_s + chosen_transfers + share * run,
                 Decision::Kind::wait, index, -1);
    }
  }
};

}  // namespace

std::unique_ptr<Policy> make_model_policy() { return std::make_unique<ModelPolicy>(); }

}  // namespace hetsched::detail
