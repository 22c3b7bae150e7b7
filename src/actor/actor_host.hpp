// What an actor asks of the runtime it lives in: its scheduler (to return the resources its constructor kept), its
// executor (to dispatch calls that may start), failing calls that never started, and forgetting the actor once it
// is dead. Implemented by the runtime core.
#pragma once

#include <exception>

#include "exec/cpu_executor.hpp"
#include "hetsched/detail/actor_state.hpp"
#include "scheduler/scheduler.hpp"

namespace hetsched::detail {

class ActorHost {
 public:
  /// The runtime core as an actor's host.
  static ActorHost& of(RuntimeCore& core) noexcept;

  virtual Scheduler& scheduler() noexcept = 0;
  virtual CpuExecutor& executor() noexcept = 0;
  /// Publishes `failure` for a task that never started (a dead actor's queued call).
  virtual void fail_unstarted(Task& task, std::exception_ptr failure) noexcept = 0;
  /// Forgets an actor (it is dead or being destroyed).
  virtual void unregister_actor(ActorState& actor) noexcept = 0;

 protected:
  ~ActorHost() = default;
};

}  // namespace hetsched::detail
