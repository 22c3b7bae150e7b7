/// @file detail/actor_restart.hpp
/// @brief ActorRecipe: how an actor with max_restarts builds its constructor task again, from copies of the
/// constructor arguments it was created with. Not API.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "hetsched/detail/core_api.hpp"
#include "hetsched/detail/resource_demand.hpp"
#include "hetsched/detail/task.hpp"

namespace hetsched::detail {

/// What every constructor task of one actor carries: the first one and those of its restarts.
struct ActorCreationSpec {
  std::string task_name;           ///< "actor constructor", or "<name> constructor".
  ResourceDemand demand;           ///< What the constructor needs to be placed.
  std::uint8_t policy = 0;         ///< Placement policy index (0: the runtime's).
  bool hold_resources = false;     ///< Explicit resources: held for the actor's life.

  /// Fills in a bound constructor task of `actor` (name, demand, role, policy).
  void apply(Task& task, ActorState* actor) const {
    task.name = task_name;
    task.demand = demand;
    task.role = TaskRole::actor_creation;
    task.actor = actor;
    task.hold_resources_for_actor = hold_resources;
    task.policy = policy;
  }
};

/// Submits constructor tasks for one actor. Owned by the actor (ActorState); the runtime calls submit_creation once
/// more for each restart. Thread-safe: it only reads what it holds.
class ActorRecipe {
 public:
  virtual ~ActorRecipe() = default;
  /// Submits a new constructor task for `actor` with fresh copies of the stored arguments (throws what a copy or
  /// the submission throws).
  virtual void submit_creation(const ActorRef& actor) const = 0;
};

/// Throws UsageError for a negative max_restarts.
void check_restart_count(int restarts);
/// Throws UsageError: the actor `actor_name` has max_restarts but a move-only constructor argument.
[[noreturn]] void throw_move_only_restart(const std::string& actor_name);
/// Gives `actor` (not yet submitted) up to `max_restarts` restarts, made from `recipe`.
void enable_actor_restarts(ActorState& actor, int max_restarts, std::unique_ptr<ActorRecipe> recipe);
/// Called by a constructor task before it builds the instance: the instance a restart replaces is destroyed
/// first (with its stream), as a restarted Ray actor's process is gone before the new one starts.
void prepare_actor_construction(ActorState& actor) noexcept;

}  // namespace hetsched::detail
