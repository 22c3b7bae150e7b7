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
};

/// Ray's best fit: a fractional demand goes to the device whose remaining capacity fits it most tightly.
std::unique_ptr<Policy> make_pack_policy();
/// Load spreading: a fractional demand goes to the device with the most remaining capacity; equal ones rotate with
/// the task's sequence, so an idle machine still spreads.
std::unique_ptr<Policy> make_spread_policy();
/// Data locality: the fitting device that already holds the most of the task's input bytes; ties by pack.
std::unique_ptr<Policy> make_locality_policy();
/// The seed of the policy named "random".
inline constexpr std::uint64_t default_random_seed = 42;
/// A uniformly random fitting device, drawn from `seed` and the task's sequence (deterministic for a seed). Named
/// "random" for the default seed, "random:SEED" for another.
std::unique_ptr<Policy> make_random_policy(std::uint64_t seed);

/// The policy named `name`: "pack", "spread", "locality", "random" (a fixed default seed) or "random:SEED" (a decimal
/// seed). Throws UsageError listing the known names for another name. Equal policies have equal name()s.
std::unique_ptr<Policy> make_policy(std::string_view name);

/// Shared by the policies. The devices a demand may use: for a whole demand those entirely free, for a fractional
/// one those with enough capacity left; both with enough free memory. Lowest index first.
std::vector<int> fitting_devices(const Snapshot& snapshot);
/// True when the demand could fit on an idle machine (enough devices whose capacity and memory could hold it).
bool could_ever_fit(const Snapshot& snapshot);
/// Shared by the policies: whole demands take the first `n` fitting devices (lowest index first); a fractional demand
/// takes the fitting device that `prefer(snapshot, candidate, best)` ranks first (ties: the earlier one). Wait when
/// none fits now, infeasible when none ever could.
Decision choose_devices(const Snapshot& snapshot, bool (*prefer)(const Snapshot&, int candidate, int best));

}  // namespace hetsched::detail
