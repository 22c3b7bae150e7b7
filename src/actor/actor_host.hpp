// What an actor asks of the runtime it lives in, beyond what any task's runtime offers (TaskOwner: the scheduler,
// to return the resources its constructor kept; the executor, to dispatch calls that may start; failing calls that
// never started): forgetting the actor once it is dead, and counting its restarts. Implemented by the runtime core.
#pragma once

#include "exec/task_owner.hpp"
#include "actor/actor_state.hpp"

namespace hetsched::detail {

class ActorHost : public TaskOwner {
 public:
  /// Forgets an actor (it is dead or being destroyed).
  virtual void unregister_actor(ActorState& actor) noexcept = 0;
  /// An actor began a restart (counted in RuntimeCounters::actor_restarts).
  virtual void count_actor_restart() noexcept = 0;

 protected:
  ~ActorHost() = default;
};

}  // namespace hetsched::detail
