/// @file actor_builder.hpp
/// @brief ActorBuilder<T>: `rt.actor<Counter>().cpus(1).gpus(0.25).max_concurrency(1).max_restarts(2).name("c")
/// .remote(args...)`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "hetsched/actor_handle.hpp"
#include "hetsched/detail/actor_recipe.hpp"
#include "hetsched/detail/bind_task.hpp"
#include "hetsched/detail/demand_builder.hpp"
#include "hetsched/detail/method_call.hpp"
#include "hetsched/error.hpp"

namespace hetsched {

/// Describes an actor of type T and creates it with remote(ctor_args...). Resources given explicitly (cpus, gpus,
/// resource) are held for the actor's whole life; without them it needs 1 CPU to be placed and holds nothing while
/// alive (Ray's rule). A GPU actor stays on the devices it was placed on. Not thread-safe; the actor is.
template <class T>
class ActorBuilder : public detail::DemandBuilder<ActorBuilder<T>> {
 public:
  /// How many calls may run at once (default 1: one at a time, in submission order).
  ActorBuilder& max_concurrency(int calls) & {
    if (calls < 1) {
      throw UsageError("max_concurrency(" + std::to_string(calls) + ") must be at least 1");
    }
    max_concurrency_ = calls;
    return *this;
  }
  /// Names the actor: Runtime::get_actor<T>(name) finds it; a name already in use is a UsageError.
  ActorBuilder& name(std::string actor_name) & {
    name_ = std::move(actor_name);
    return *this;
  }
  /// Restarts the actor up to `restarts` times (default 0; Ray's max_restarts). A restart follows a call whose body
  /// fails with a system error, a DeviceError (CudaError included), as the instance is then taken to be broken: that
  /// call fails with its error, the instance is destroyed once the calls running on it return, and the constructor
  /// runs again, with fresh copies of the arguments given to remote(), as a new constructor task (resources the
  /// actor held are released and asked for again, so it may land on another device). Calls queued meanwhile run on
  /// the new instance, in order. Once the restarts are used up, such a failure kills the actor: later calls fail
  /// with ActorDiedError saying so. Never restarted: kill(), a constructor that throws (also when it runs for a
  /// restart), a call that throws anything else. The actor keeps its constructor arguments (and the objects its
  /// ObjectRef arguments name) for its life. UsageError for a negative count, or at remote() for a move-only
  /// constructor argument (it cannot be passed twice).
  ActorBuilder& max_restarts(int restarts) & {
    detail::check_restart_count(restarts);
    max_restarts_ = restarts;
    return *this;
  }
  /// max_restarts() on a temporary builder.
  ActorBuilder&& max_restarts(int restarts) && { return std::move(max_restarts(restarts)); }
  /// max_concurrency() on a temporary builder.
  ActorBuilder&& max_concurrency(int calls) && { return std::move(max_concurrency(calls)); }
  /// name() on a temporary builder.
  ActorBuilder&& name(std::string actor_name) && { return std::move(name(std::move(actor_name))); }

  /// Places the actor and runs T's constructor with `args` (ObjectRef arguments are waited for, like a task's).
  /// Returns at once; calls made meanwhile wait for the constructor. A constructor that throws makes every call
  /// fail with ActorDiedError. Throws ResourceError when the demand can never be met, UsageError for an unknown
  /// policy() or, with max_restarts, a move-only argument.
  template <class... Args>
  ActorHandle<T> remote(Args&&... args) const {
    detail::ActorCreationSpec spec{name_.empty() ? std::string("actor constructor") : name_ + " constructor",
                                   this->demand_,
                                   this->policy_.empty() ? std::uint8_t{0}
                                                         : detail::placement_policy_index(*core_, this->policy_),
                                   this->explicit_demand_};
    if constexpr (detail::arguments_retryable<std::decay_t<Args>...>) {
      if (max_restarts_ > 0) {  // a recipe keeps the arguments for the restarts, and submits the first constructor
        detail::ActorRef actor = detail::create_actor(*core_, name_, typeid(T), max_concurrency_);
        auto recipe = std::make_unique<detail::TypedActorRecipe<T, std::decay_t<Args>...>>(
            *core_, std::move(spec), std::forward<Args>(args)...);
        const detail::ActorRecipe& first = *recipe;
        detail::enable_actor_restarts(*actor, max_restarts_, std::move(recipe));
        first.submit_creation(actor);
        return detail::CoreAccess::actor_handle<T>(std::move(actor));
      }
    } else {
      if (max_restarts_ > 0) detail::throw_move_only_restart(name_);
    }
    detail::ActorRef actor = detail::create_actor(*core_, name_, typeid(T), max_concurrency_);
    auto bound = detail::bind_task<detail::ActorConstruction<T>>(detail::ActorConstruction<T>{actor},
                                                                 std::forward<Args>(args)...);
    spec.apply(*bound.task, actor.get());
    detail::submit_task(*core_, std::move(bound.task));
    return detail::CoreAccess::actor_handle<T>(std::move(actor));
  }

 private:
  friend struct detail::CoreAccess;
  explicit ActorBuilder(detail::RuntimeCore& core) : core_(&core) {}

  detail::RuntimeCore* core_;
  int max_concurrency_ = 1;
  int max_restarts_ = 0;
  std::string name_;
};

}  // namespace hetsched
