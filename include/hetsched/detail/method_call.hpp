/// @file detail/method_call.hpp
/// @brief MethodCall: the callable of an actor call task (calls a method on the actor's instance). Not API.
#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include "hetsched/detail/actor_restart.hpp"
#include "hetsched/detail/core_api.hpp"
#include "hetsched/task_context.hpp"

namespace hetsched::detail {

/// Calls `method` on the actor's instance of type T, passing a TaskContext first when the method takes one.
template <class T, class Method>
struct MethodCall {
  ActorRef actor;  ///< Keeps the actor alive until the call has run.
  Method method;   ///< Pointer to a member function of T (or of a base of T).

  /// The method takes TaskContext& first.
  template <class... A>
    requires std::is_invocable_v<Method, T&, TaskContext&, A...>
  decltype(auto) operator()(TaskContext& context, A&&... args) {
    return std::invoke(method, instance(), context, std::forward<A>(args)...);
  }
  /// The method takes only its arguments.
  template <class... A>
    requires std::is_invocable_v<Method, T&, A...>
  decltype(auto) operator()(A&&... args) {
    return std::invoke(method, instance(), std::forward<A>(args)...);
  }

 private:
  T& instance() const noexcept { return *static_cast<T*>(actor_instance(*actor)); }
};

/// Builds the instance of an actor in the constructor task.
template <class T>
struct ActorConstruction {
  ActorRef actor;  ///< The actor being built (dropped once built; the runtime holds it meanwhile).

  /// Constructs T from the resolved constructor arguments and hands it to the actor.
  template <class... A>
    requires std::is_constructible_v<T, A...>
  void operator()(A&&... args) {
    prepare_actor_construction(*actor);  // a restart: the instance it replaces goes first
    T* instance = new T(std::forward<A>(args)...);
    install_actor_instance(*actor, instance, [](void* p) { delete static_cast<T*>(p); });
    actor = ActorRef();  // the constructor task may outlive this call (it holds the actor's resources): no cycle
  }
};

}  // namespace hetsched::detail
