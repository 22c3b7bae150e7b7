/// @file actor_handle.hpp
/// @brief ActorHandle<T>: a copyable reference to a live actor; `call` submits one method call.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "hetsched/detail/bind_task.hpp"
#include "hetsched/detail/core_api.hpp"
#include "hetsched/detail/method_call.hpp"
#include "hetsched/object_ref.hpp"

namespace hetsched {

/// A handle to an actor of type T. Copies are cheap and may be passed to tasks and to other actors. Calls through
/// any handle run in the order they were submitted (one at a time unless max_concurrency > 1). The actor lives
/// until kill() or until its last handle is gone and its queued calls have run. Thread-safe.
///
/// @code
///   auto counter = rt.actor<Counter>().remote();
///   hetsched::ObjectRef<int> n = counter.call(&Counter::increment);
/// @endcode
template <class T>
class ActorHandle {
 public:
  /// An empty handle; call() on it throws UsageError.
  ActorHandle() = default;
  /// Submits `method(args...)` on the actor and returns a ref to its result. ObjectRef arguments are waited for
  /// and passed as `const U&`, like a task's; the method may take TaskContext& first. A method that throws fails
  /// this call only (TaskError; with ActorBuilder::max_restarts, a DeviceError also restarts the actor); a dead
  /// actor (killed, failed constructor, or Runtime gone) fails it with ActorDiedError. Calls must not race with the
  /// destruction of the actor's Runtime.
  template <class Method, class... Args>
    requires std::is_member_function_pointer_v<Method>
  auto call(Method method, Args&&... args) const {
    static_assert(std::is_invocable_v<Method, T&, detail::resolved_arg_t<std::decay_t<Args>>...> ||
                      std::is_invocable_v<Method, T&, TaskContext&, detail::resolved_arg_t<std::decay_t<Args>>...>,
                  "hetsched: this method cannot be called on this actor with these arguments (is it a method of "
                  "the actor's class? ObjectRef<U> arguments reach it as const U&)");
    if (!actor_) detail::throw_empty_actor_handle();
    using Call = detail::MethodCall<T, Method>;
    auto bound = detail::bind_task<Call>(Call{actor_, method}, std::forward<Args>(args)...);
    bound.task->name = detail::actor_call_name(*actor_);
    bound.task->role = detail::TaskRole::actor_call;
    bound.task->actor = actor_.get();
    detail::submit_actor_call(std::move(bound.task));
    return std::move(bound.ref);
  }

  /// Kills the actor: queued and later calls fail with ActorDiedError, its resources return at once, a running call
  /// finishes. Killing twice is harmless.
  void kill() const {
    if (!actor_) detail::throw_empty_actor_handle();
    detail::kill_actor(*actor_.get());
  }
  /// True unless default-constructed.
  bool valid() const noexcept { return static_cast<bool>(actor_); }
  /// The actor's id (0 for an empty handle).
  std::uint64_t id() const noexcept { return actor_ ? detail::actor_id(*actor_) : 0; }
  /// Handles are equal when they name the same actor.
  friend bool operator==(const ActorHandle& a, const ActorHandle& b) noexcept {
    return a.actor_.get() == b.actor_.get();
  }

 private:
  friend struct detail::CoreAccess;
  explicit ActorHandle(detail::ActorRef actor) noexcept : actor_(std::move(actor)) {}

  detail::ActorRef actor_;
};

}  // namespace hetsched
