/// @file actor_builder.hpp
/// @brief ActorBuilder<T>: `rt.actor<Counter>().cpus(1).gpus(0.25).max_concurrency(1).name("c").remote(args...)`.
#pragma once

#include <string>
#include <typeinfo>
#include <utility>

#include "hetsched/actor_handle.hpp"
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
  /// max_concurrency() on a temporary builder.
  ActorBuilder&& max_concurrency(int calls) && { return std::move(max_concurrency(calls)); }
  /// name() on a temporary builder.
  ActorBuilder&& name(std::string actor_name) && { return std::move(name(std::move(actor_name))); }

  /// Places the actor and runs T's constructor with `args` (ObjectRef arguments are waited for, like a task's).
  /// Returns at once; calls made meanwhile wait for the constructor. A constructor that throws makes every call
  /// fail with ActorDiedError. Throws ResourceError when the demand can never be met, UsageError for an unknown
  /// policy().
  template <class... Args>
  ActorHandle<T> remote(Args&&... args) const {
    std::uint8_t policy = this->policy_.empty() ? 0 : detail::placement_policy_index(*core_, this->policy_);
    detail::ActorRef actor = detail::create_actor(*core_, name_, typeid(T), max_concurrency_);
    auto bound = detail::bind_task<detail::ActorConstruction<T>>(detail::ActorConstruction<T>{actor},
                                                                 std::forward<Args>(args)...);
    bound.task->name = name_.empty() ? std::string("actor constructor") : name_ + " constructor";
    bound.task->demand = this->demand_;
    bound.task->role = detail::TaskRole::actor_creation;
    bound.task->actor = actor.get();
    bound.task->hold_resources_for_actor = this->explicit_demand_;
    bound.task->policy = policy;
    detail::submit_task(*core_, std::move(bound.task));
    return detail::CoreAccess::actor_handle<T>(std::move(actor));
  }

 private:
  friend struct detail::CoreAccess;
  explicit ActorBuilder(detail::RuntimeCore& core) : core_(&core) {}

  detail::RuntimeCore* core_;
  int max_concurrency_ = 1;
  std::string name_;
};

}  // namespace hetsched
