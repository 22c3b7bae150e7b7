// Restarting an actor (ActorBuilder::max_restarts). A call whose body fails with a system error (restart_rule)
// marks the actor restarting: no further call starts, and once the calls running on the broken instance have
// returned, the resources it held go back to the scheduler and the recipe submits a new constructor task with fresh
// copies of the constructor arguments. That task is placed like the first one; its body destroys the old instance
// before building the new one, and the actor is alive again when it ends (ActorState::created). Calls queued
// meanwhile wait in the mailbox, in order, as they do for a first construction.
#include <string>
#include <utility>

#include "actor/actor_host.hpp"
#include "actor/actor_state.hpp"
#include "exec/running_task.hpp"
#include "exec/task_failure.hpp"
#include "hetsched/error.hpp"

namespace hetsched::detail {

void ActorState::enable_restarts(int max_restarts, std::unique_ptr<ActorRecipe> recipe) noexcept {
  std::lock_guard lock(mutex_);
  max_restarts_ = max_restarts;
  recipe_ = std::move(recipe);
}

void ActorState::prepare_construction() noexcept {
  destroy_instance();  // nothing at the first construction
  CUstream_st* stream = nullptr;
  {
    std::lock_guard lock(mutex_);
    stream = std::exchange(stream_, nullptr);  // the new constructor's task made the actor a new one
  }
  if (stream) destroy_stream_(stream_device_, stream);
}

void ActorState::note_system_failure_locked(const std::exception_ptr& failure, std::vector<TaskPtr>& orphans,
                                            TaskPtr& holder) {
  if (restarts_ < max_restarts_) {
    ++restarts_;
    life_ = Life::restarting;
    if (ActorHost* core = core_.load(std::memory_order_relaxed)) core->count_actor_restart();
    return;
  }
  life_ = Life::dead;
  death_ = std::make_exception_ptr(ActorDiedError(
      "actor '" + display_name() + "' died after " + std::to_string(restarts_) + " restart(s), all that its "
      "max_restarts(" + std::to_string(max_restarts_) + ") allows: a call failed with a system error again: " +
      describe(failure) + ". Give it a higher max_restarts, or find what breaks the device"));
  orphans.assign(std::make_move_iterator(mailbox_.begin()), std::make_move_iterator(mailbox_.end()));
  mailbox_.clear();
  holder = std::move(resource_holder_);
}

void ActorState::restart(ActorHost& core, TaskPtr holder) noexcept {
  if (holder) core.scheduler().finished(*holder);  // asked for again by the new constructor task
  holder = TaskPtr();
  // The constructor is not a child of the call that broke the instance (nor cancelled with it).
  const RunningFrame* outer = std::exchange(innermost_running(), nullptr);
  std::string failure;
  try {
    recipe_->submit_creation(ActorRef(this));
  } catch (...) {
    failure = describe(std::current_exception());  // a copy of an argument threw, or memory ran out
  }
  innermost_running() = outer;
  if (failure.empty()) return;
  std::vector<TaskPtr> orphans;
  {
    std::lock_guard lock(mutex_);
    if (life_ != Life::creating) return;  // killed meanwhile: kill() did the rest
    life_ = Life::dead;
    death_ = std::make_exception_ptr(ActorDiedError(
        "actor '" + display_name() + "' died: restart " + std::to_string(restarts_) +
        " could not submit its constructor again: " + failure));
    orphans.assign(std::make_move_iterator(mailbox_.begin()), std::make_move_iterator(mailbox_.end()));
    mailbox_.clear();
  }
  bury(core, orphans, TaskPtr());
  destroy_instance();
}

void check_restart_count(int restarts) {
  if (restarts < 0) {
    throw UsageError("max_restarts(" + std::to_string(restarts) +
                     ") is negative; give 0 (never restart the actor) or how many restarts it may have");
  }
}

void throw_move_only_restart(const std::string& actor_name) {
  throw UsageError("actor '" + (actor_name.empty() ? std::string("(unnamed)") : actor_name) +
                   "' has max_restarts but a move-only constructor argument, which a restart could not pass "
                   "again; pass it as an ObjectRef (rt.put), make it copyable, or drop max_restarts");
}

void enable_actor_restarts(ActorState& actor, int max_restarts, std::unique_ptr<ActorRecipe> recipe) {
  actor.enable_restarts(max_restarts, std::move(recipe));
}

void prepare_actor_construction(ActorState& actor) noexcept { actor.prepare_construction(); }

}  // namespace hetsched::detail
