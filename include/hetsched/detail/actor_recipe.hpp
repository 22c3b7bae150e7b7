/// @file detail/actor_recipe.hpp
/// @brief TypedActorRecipe: the ActorRecipe of an actor of type T, holding its constructor arguments. Not API.
#pragma once

#include <tuple>
#include <utility>

#include "hetsched/detail/actor_restart.hpp"
#include "hetsched/detail/bind_task.hpp"
#include "hetsched/detail/method_call.hpp"

namespace hetsched::detail {

/// Keeps the stored constructor arguments A... (values, ObjectRefs, buffer accesses; all copyable) for the life of
/// the actor, and binds copies of them into each constructor task it submits.
template <class T, class... A>
class TypedActorRecipe final : public ActorRecipe {
 public:
  /// Stores `args` (moved when given as rvalues) for `core`'s actor described by `spec`.
  template <class... B>
  TypedActorRecipe(RuntimeCore& core, ActorCreationSpec spec, B&&... args)
      : core_(&core), spec_(std::move(spec)), args_(std::forward<B>(args)...) {}

  void submit_creation(const ActorRef& actor) const override {
    auto bound = std::apply(
        [&](const A&... stored) { return bind_task<ActorConstruction<T>>(ActorConstruction<T>{actor}, stored...); },
        args_);
    spec_.apply(*bound.task, actor.get());
    submit_task(*core_, std::move(bound.task));
  }

 private:
  RuntimeCore* core_;
  ActorCreationSpec spec_;
  std::tuple<A...> args_;
};

}  // namespace hetsched::detail
