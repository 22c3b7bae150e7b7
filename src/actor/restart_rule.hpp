// Which failures of an actor's call restart the actor (ActorBuilder::max_restarts): a system failure of its body,
// the actor analogue of the system failures src/task/retry_rule.hpp retries a task after.
#pragma once

#include <exception>

#include "hetsched/detail/task.hpp"

namespace hetsched::detail {

/// `failure` when it should restart the actor of `call`: an actor call whose body ran and threw a DeviceError
/// (CudaError included), itself or as the cause of a TaskError; null otherwise (no failure, a failed input, a
/// cancellation, an ObjectStoreFullError for its result, or any other exception: those fail the call only). Whether
/// the actor has a restart left is its own business (ActorState::call_finished).
std::exception_ptr restart_cause(const Task& call, const std::exception_ptr& failure);

}  // namespace hetsched::detail
