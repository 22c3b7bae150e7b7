// Placement policies: pure functions from a snapshot (the task's demand and inputs, what each device has free) to a
// decision value (place / wait / infeasible, Ray's SchedulingResult); both are plain values in
// resources/placement_snapshot.hpp. Policies never touch the ledger or the task: the scheduler builds the snapshot
// under its lock, asks the task's policy, and applies a placement to the ledger. So the simulator can drive the very
// same code. Each policy lives in its own file under policy/; the factory in policy/factory.cpp is the only place
// that knows them all.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "resources/placement_snapshot.hpp"

namespace hetsched::detail {

/// Chooses where a task runs. Implementations hold no mutable state: decide() is a pure function of the snapshot
/// (a seeded policy derives its randomness from the seed and the task's sequence), so it may be called from any
/// thread.
class Policy {
 public:
  virtual ~Policy() = default;
  /// Where the task in `snapshot` runs, or why it does not run now.
  virtual Decision decide(const Snapshot& snapshot) const = 0;
  /// The policy's name, as Config::placement_policy and TaskBuilder::policy spell it.
  virtual std::string_view name() const noexcept = 0;
  /// True when it reads the models' fields of the snapshot (run-time predictions, device availability, links): the
  /// scheduler fills them (and the committed queues' fields: only such a policy may answer Decision::commit), and
  /// times the tasks it places so that the models learn, only for such a policy.
  virtual bool uses_models() const noexcept { return false; }
};

/// Ray's best fit: a fractional demand goes to the device whose remaining capacity fits it most tightly.
std::unique_ptr<Policy> make_pack_policy();
/// Load spreading: a fractional demand goes to the device with the most remaining capacity; equal ones rotate with
/// the task's sequence, so an idle machine still spreads.
std::unique_ptr<Policy> make_spread_policy();
/// Data locality: the fitting device that already holds the most of the task's input bytes; ties by pack.
std::unique_ptr<Policy> make_locality_policy();
/// Earliest predicted finish (StarPU's dmda): each body on each device it fits is priced at the wait for that device,
/// the transfers of its inputs over the measured links and its modelled run time, and the earliest wins (a wait
/// when that device is busy). A GPU body's GPU is chosen by this task's finish alone (a wait that idles a free GPU
/// while tasks queue behind counts twice); against the CPU body, a wait also counts the queue behind it. A body with
/// fewer than calibration_samples runs is calibrated first; until every body is, devices are chosen as pack does.
std::unique_ptr<Policy> make_model_policy();
/// StarPU's dmdas over committed queues: each body on each device is priced at its predicted finish there (the wait
/// for the work running and committed ahead of it on that device, then the copies of its inputs, or the two
/// overlapped where the scheduler prefetches, plus its run time) plus the copies' time once more (dmda's data
/// penalty, beta = 1); the cheapest wins. It runs there now when the device is free with nothing committed, else it
/// is committed to it (Decision::commit) while fewer than snapshot.commit_limit tasks are, else it waits. Calibrates,
/// and places bodies on several whole devices, as model.
std::unique_ptr<Policy> make_dmdas_policy();
/// dmdas with a throughput rule for idle cores after StarPU's heteroprio: a task of the default priority or lower with
/// a calibrated CPU body and single-device GPU body runs on a core that is free now (none committed to the CPUs) when
/// the core would finish it within three times the GPUs' drain (their placed and committed work, and the tasks queued
/// behind it at its GPU time, over the GPUs); every other task is dmdas's.
std::unique_ptr<Policy> make_heteroprio_policy();
/// The seed of the policy named "random".
inline constexpr std::uint64_t default_random_seed = 42;
/// A uniformly random fitting device, drawn from `seed` and the task's sequence (deterministic for a seed). Named
/// "random" for the default seed, "random:SEED" for another.
std::unique_ptr<Policy> make_random_policy(std::uint64_t seed);

/// The policy named `name`: "pack", "spread", "locality", "model", "dmdas", "heteroprio", "random" (a fixed default
/// seed) or "random:SEED" (a decimal seed). Throws UsageError listing the known names for another name. Equal
/// policies have equal name()s.
std::unique_ptr<Policy> make_policy(std::string_view name);
/// The names make_policy knows, for messages and `hetsched info`.
std::string_view known_policy_names() noexcept;

/// Shared by the policies. The devices body `variant` may use now: for a whole demand those entirely free, for a
/// fractional one those with enough capacity left; both with enough free memory. Lowest index first; empty for a
/// CPU body.
std::vector<int> fitting_devices(const Snapshot& snapshot, const VariantView& variant);
/// True when body `variant` could run on an idle machine (enough CPUs, and devices whose memory could hold it).
bool could_ever_fit(const Snapshot& snapshot, const VariantView& variant);
/// True when body `variant`'s CPUs are free now and, for a GPU body, enough devices fit it now.
bool fits_now(const Snapshot& snapshot, const VariantView& variant);
/// Seconds to bring every input of the task to memory node `node` (-1: the host) from its cheapest valid replica.
double input_transfer_seconds(const Snapshot& snapshot, int node);
/// Shared by the simple policies: for body `variant`, a demand of n > 1 whole devices takes the first `n` fitting ones
/// (lowest index first); a demand for one device (a fraction or one whole GPU) takes the fitting device that
/// `prefer(snapshot, candidate, best)` ranks first (ties: the earlier one); a CPU body runs on the CPUs. Wait when it does not fit now, infeasible when it never could.
Decision choose_devices(const Snapshot& snapshot, std::size_t variant,
                        bool (*prefer)(const Snapshot&, int candidate, int best));

/// The simple policies' rule for a task with several bodies: GPU bodies first, then CPU bodies (each in declaration
/// order); the first that `decide_one(variant)` places wins. Otherwise wait when some body could ever run, else
/// infeasible. A task with one body is decide_one(0).
template <class DecideOne>
Decision first_placeable_variant(const Snapshot& snapshot, DecideOne&& decide_one) {
  const auto& variants = snapshot.task.variants;
  if (variants.size() == 1) return decide_one(std::size_t{0});
  bool could_wait = false;
  for (bool gpu_pass : {true, false}) {
    for (std::size_t v = 0; v < variants.size(); ++v) {
      if (variants[v].on_gpu() != gpu_pass) continue;
      Decision decision = decide_one(v);
      if (decision.kind == Decision::Kind::place) return decision;
      could_wait = could_wait || decision.kind == Decision::Kind::wait;
    }
  }
  return could_wait ? Decision::wait() : Decision::infeasible();
}

}  // namespace hetsched::detail
