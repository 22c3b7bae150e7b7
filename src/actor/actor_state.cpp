// An actor's mailbox and lifecycle. Calls enter the mailbox in submission order when submitted; they start from
// the head (at most max_concurrency at once) when their inputs are ready and the actor is alive. A finished call
// hands the next one to the thread it ran on when that thread may continue, so a burst of calls costs one dispatch.
#include "actor/actor_state.hpp"

#include "actor/actor_host.hpp"
#include "hetsched/error.hpp"
#include "exec/task_failure.hpp"
#include "task/task_state.hpp"

namespace hetsched::detail {
namespace {

std::atomic<std::uint64_t> next_actor_id{1};

/// Claims a call for a failure or cancellation; false when its inputs or another thread already took it.
bool claim_unstarted(Task& call) {
  for (auto stage = state_of(call).stage.load(std::memory_order_acquire);
       stage == TaskStage::waiting_for_inputs || stage == TaskStage::queued;) {
    if (state_of(call).stage.compare_exchange_weak(stage, TaskStage::running, std::memory_order_acq_rel)) return true;
  }
  return false;
}

}  // namespace

ActorState::ActorState(ActorHost& core, std::string name, const std::type_info& type, int max_concurrency)
    : core_(&core),
      name_(std::move(name)),
      type_(&type),
      id_(next_actor_id.fetch_add(1, std::memory_order_relaxed)),
      max_concurrency_(max_concurrency) {}

ActorState::~ActorState() {
  if (ActorHost* core = core_.load(std::memory_order_acquire)) {
    if (resource_holder_) core->scheduler().finished(*resource_holder_);
    core->unregister_actor(*this);
  }
  destroy_instance();
  if (stream_) destroy_stream_(stream_device_, stream_);  // after the instance, whose destructor may still use it
}

bool ActorState::try_retain() noexcept {
  for (int refs = refs_.load(std::memory_order_relaxed); refs > 0;) {
    if (refs_.compare_exchange_weak(refs, refs + 1, std::memory_order_acq_rel)) return true;
  }
  return false;
}

void ActorState::install(void* instance, void (*destroy)(void*)) noexcept {
  std::lock_guard lock(mutex_);
  instance_ = instance;
  destroy_ = destroy;
}

void ActorState::destroy_instance() noexcept {
  void* instance = nullptr;
  void (*destroy)(void*) = nullptr;
  {
    std::lock_guard lock(mutex_);
    instance = std::exchange(instance_, nullptr);
    destroy = destroy_;
  }
  if (!instance) return;
  // A GPU actor's destructor may free device memory or use its stream: it runs with the actor's device current,
  // whichever thread dropped the last reference, and that thread gets its own device back afterwards.
  const int previous = switch_device_ ? switch_device_(stream_device_) : -1;
  destroy(instance);
  if (previous >= 0 && previous != stream_device_) switch_device_(previous);
}

ActorHost* ActorState::live_core() const { return core_.load(std::memory_order_acquire); }

std::exception_ptr ActorState::death() const {
  std::lock_guard lock(mutex_);
  return death_;
}

ActorState::Snapshot ActorState::snapshot() const {
  std::lock_guard lock(mutex_);
  const ActorStatus status = life_ == Life::alive                      ? ActorStatus::alive
                             : life_ == Life::dead                     ? ActorStatus::dead
                             : life_ == Life::restarting || restarts_ ? ActorStatus::restarting
                                                                       : ActorStatus::creating;
  return {status, mailbox_.size(), running_, restarts_};
}

bool ActorState::add_call(TaskPtr call) {
  std::exception_ptr death;
  {
    std::unique_lock lock(mutex_);
    if (life_ != Life::dead) {
      bool ready = state_of(*call).stage.load(std::memory_order_relaxed) == TaskStage::queued;
      mailbox_.push_back(std::move(call));
      if (!ready) return true;
      Startable startable = take_startable_locked(false);  // same lock: a ready call costs one acquisition
      lock.unlock();
      dispatch_all(startable, 0);
      return true;
    }
    death = death_;
  }
  if (claim_unstarted(*call)) TaskOwner::of(*call).fail_unstarted(*call, death);
  return false;
}

void ActorState::call_ready(TaskPtr call) {
  auto expected = TaskStage::waiting_for_inputs;
  if (!state_of(*call).stage.compare_exchange_strong(expected, TaskStage::queued, std::memory_order_acq_rel)) return;
  Startable startable = take_startable(false);
  dispatch_all(startable, 0);
}

// Marks the calls that may start now dispatched; with `claim_first` the first is marked running instead, so that
// no waiting thread can also claim it between this lock and the caller running it.
ActorState::Startable ActorState::take_startable(bool claim_first) {
  std::lock_guard lock(mutex_);
  return take_startable_locked(claim_first);
}

ActorState::Startable ActorState::take_startable_locked(bool claim_first) {
  Startable startable{{}, core_.load(std::memory_order_relaxed)};
  if (life_ != Life::alive) return startable;
  while (running_ < max_concurrency_ && !mailbox_.empty() &&
         state_of(*mailbox_.front()).stage.load(std::memory_order_acquire) == TaskStage::queued) {
    TaskPtr call = std::move(mailbox_.front());
    mailbox_.pop_front();
    TaskState& state = state_of(*call);
    if (!gpu_ids_.empty()) state.device().gpu_ids = gpu_ids_;
    if (stream_) state.device().actor_stream = stream_;
    state.serial_actor_call = max_concurrency_ == 1;
    call->demand = call_demand_;
    bool claimed = claim_first && startable.calls.empty();
    state_of(*call).stage.store(claimed ? TaskStage::running : TaskStage::dispatched, std::memory_order_release);
    ++running_;
    startable.calls.push_back(std::move(call));
  }
  return startable;
}

void ActorState::dispatch_all(Startable& startable, std::size_t first) {
  auto& calls = startable.calls;
  for (std::size_t i = first; i < calls.size(); ++i) startable.core->executor().dispatch(std::move(calls[i]));
}

TaskPtr ActorState::call_finished(FollowUp follow_up, std::exception_ptr system_failure) {
  bool destroy_now = false;
  bool restart_now = false;
  Startable startable;
  std::vector<TaskPtr> orphans;
  TaskPtr holder;
  ActorHost* core = nullptr;
  {
    std::lock_guard lock(mutex_);
    --running_;
    if (system_failure && recipe_ && life_ == Life::alive) note_system_failure_locked(system_failure, orphans, holder);
    destroy_now = life_ == Life::dead && running_ == 0;
    restart_now = life_ == Life::restarting && running_ == 0;
    core = core_.load(std::memory_order_relaxed);
    if (restart_now) {
      life_ = Life::creating;  // from here on it is like an actor being created, its calls queued
      holder = std::move(resource_holder_);
    } else if (!destroy_now) {
      startable = take_startable_locked(follow_up == FollowUp::may_run_next);
    }
  }
  if (core && (holder || !orphans.empty()) && !restart_now) bury(*core, orphans, std::move(holder));
  if (destroy_now) {
    destroy_instance();
    return {};
  }
  if (restart_now) {
    if (core) restart(*core, std::move(holder));
    return {};
  }
  if (startable.calls.empty()) return {};
  if (follow_up == FollowUp::return_at_once) {
    dispatch_all(startable, 0);
    return {};
  }
  dispatch_all(startable, 1);
  return std::move(startable.calls[0]);  // already claimed for this thread
}

bool ActorState::created(Task& creation, std::exception_ptr failure) {
  std::vector<TaskPtr> orphans;
  bool keep = false;
  {
    std::lock_guard lock(mutex_);
    if (const TaskDeviceState* device = state_of(creation).device_if_any(); device && device->actor_stream) {
      stream_ = device->actor_stream;
      stream_device_ = device->actor_stream_device;
      destroy_stream_ = device->destroy_actor_stream;
      switch_device_ = device->switch_actor_device;
    }
    if (life_ == Life::creating) {
      if (failure) {
        life_ = Life::dead;
        death_ = std::make_exception_ptr(ActorDiedError(
            restarts_ == 0 ? "actor '" + display_name() + "' died: its constructor failed: " + describe(failure)
                           : "actor '" + display_name() + "' died after " + std::to_string(restarts_) +
                                 " restart(s): its constructor failed when it ran again for restart " +
                                 std::to_string(restarts_) + ": " + describe(failure)));
        orphans.assign(std::make_move_iterator(mailbox_.begin()), std::make_move_iterator(mailbox_.end()));
        mailbox_.clear();
      } else {
        life_ = Life::alive;
        gpu_ids_.assign(state_of(creation).gpu_ids().begin(), state_of(creation).gpu_ids().end());
        keep = creation.hold_resources_for_actor;
        if (keep) {
          resource_holder_ = TaskPtr(&creation);
          call_demand_ = creation.demand;
        } else {
          call_demand_.cpu = 0;
        }
      }
    }
    failure = death_;
  }
  if (failure) {
    for (auto& call : orphans) {
      if (claim_unstarted(*call)) TaskOwner::of(*call).fail_unstarted(*call, failure);
    }
    destroy_instance();
    return false;
  }
  Startable startable = take_startable(false);
  dispatch_all(startable, 0);
  return keep;
}

void ActorState::bury(ActorHost& core, std::vector<TaskPtr>& orphans, TaskPtr holder) noexcept {
  if (holder) core.scheduler().finished(*holder);
  const std::exception_ptr reason = death();
  for (auto& call : orphans) {
    if (claim_unstarted(*call)) core.fail_unstarted(*call, reason);
  }
}

void ActorState::kill(std::exception_ptr reason) {
  std::vector<TaskPtr> orphans;
  TaskPtr holder;
  ActorHost* core = nullptr;
  bool destroy_now = false;
  {
    std::lock_guard lock(mutex_);
    core = core_.exchange(nullptr, std::memory_order_acq_rel);  // also for an actor that died earlier
    if (!core) return;                      // killed before
    if (life_ != Life::dead) {
      life_ = Life::dead;
      death_ = reason;
      orphans.assign(std::make_move_iterator(mailbox_.begin()), std::make_move_iterator(mailbox_.end()));
      mailbox_.clear();
      holder = std::move(resource_holder_);
      destroy_now = running_ == 0;
    }
  }
  if (holder) core->scheduler().finished(*holder);
  for (auto& call : orphans) {
    if (claim_unstarted(*call)) core->fail_unstarted(*call, reason);
  }
  core->unregister_actor(*this);
  if (destroy_now) destroy_instance();
}

}  // namespace hetsched::detail
