// The runtime's record of one actor: instance, mailbox, lifecycle. Opaque to user code, which holds it through
// ActorRef and the entry points of hetsched/detail/core_api.hpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "hetsched/detail/actor_restart.hpp"
#include "hetsched/detail/core_api.hpp"
#include "hetsched/detail/task.hpp"
#include "hetsched/introspection.hpp"
#include "task/follow_up.hpp"

/// The CUDA runtime's stream type (`cudaStream_t` is `CUstream_st*`), declared so that no CUDA header is needed.
struct CUstream_st;

namespace hetsched::detail {

class ActorHost;

/// One actor. Its calls wait in a mailbox in submission order and start from the head, at most max_concurrency at
/// a time, each once its inputs are ready; they run on the runtime's executor like tasks, so an idle actor costs
/// only this record. Reference counted: handles, queued calls and the constructor task hold it.
class ActorState {
 public:
  /// A new actor of type `type` (not yet constructed) registered with `core`.
  ActorState(ActorHost& core, std::string name, const std::type_info& type, int max_concurrency);
  ActorState(const ActorState&) = delete;
  ActorState& operator=(const ActorState&) = delete;

  /// Adds a reference.
  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  /// Adds a reference unless the actor is already being destroyed; returns whether it did.
  bool try_retain() noexcept;
  /// Drops a reference; the last one destroys the actor (and its instance).
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  /// Unique id within the process.
  std::uint64_t id() const noexcept { return id_; }
  /// The name given with ActorBuilder::name (empty if none).
  const std::string& name() const noexcept { return name_; }
  /// How errors name the actor: its name, or "#id".
  std::string display_name() const { return name_.empty() ? "#" + std::to_string(id_) : name_; }
  /// How many calls may run at once.
  int max_concurrency() const noexcept { return max_concurrency_; }
  /// The C++ type of the instance.
  const std::type_info& type() const noexcept { return *type_; }
  /// The instance; valid inside the actor's calls.
  void* instance() const noexcept { return instance_; }
  /// Called by the constructor task with the freshly built instance and how to destroy it.
  void install(void* instance, void (*destroy)(void*)) noexcept;

  // Runtime side (src/actor/actor_state.cpp).

  /// A call was submitted: it takes its place in the mailbox (and starts at once if it is ready, i.e. queued, and
  /// may start); false when the actor is dead (the call has failed).
  bool add_call(TaskPtr call);
  /// The call's inputs are ready: it may start when it reaches the head.
  void call_ready(TaskPtr call);
  /// A call finished; returns the next call, already claimed, when `follow_up` allows (this thread runs it next).
  /// A `system_failure` (restart_cause) restarts an actor that has a restart left, and kills one that has used
  /// them up (src/actor/actor_restart.cpp).
  TaskPtr call_finished(FollowUp follow_up, std::exception_ptr system_failure = nullptr);
  /// The constructor task ended (failure null on success); returns whether the actor keeps the task's resources. The
  /// stream made for it on a real GPU becomes the actor's own: every call runs on it, in order.
  bool created(Task& creation, std::exception_ptr failure);
  /// Fails queued and future calls with `reason`, returns held resources; harmless when already dead.
  void kill(std::exception_ptr reason);
  /// The runtime while the actor is not killed (null after kill or Runtime shutdown).
  ActorHost* live_core() const;
  /// Why the actor died (null while it lives).
  std::exception_ptr death() const;
  /// What list_actors shows: where it is in its life, calls not started, calls running, restarts so far.
  struct Snapshot {
    ActorStatus status;
    std::size_t pending_calls;
    int running_calls;
    int restarts;
  };
  /// The actor's state now (under its lock).
  Snapshot snapshot() const;

  // Restarts (src/actor/actor_restart.cpp).

  /// Allows up to `max_restarts` restarts, made from `recipe`; before the first constructor is submitted.
  void enable_restarts(int max_restarts, std::unique_ptr<ActorRecipe> recipe) noexcept;
  /// A constructor task is about to build the instance: a restart's destroys the instance (and stream) it replaces.
  void prepare_construction() noexcept;

 private:
  // restarting: a call failed with a system error; no call starts until the running ones return and the
  // constructor runs again (then creating).
  enum class Life : std::uint8_t { creating, alive, restarting, dead };
  ~ActorState();
  /// Calls that may start now, and the runtime to run them on (read under the lock: kill() clears core_).
  struct Startable {
    std::vector<TaskPtr> calls;
    ActorHost* core = nullptr;
  };
  Startable take_startable(bool claim_first);
  Startable take_startable_locked(bool claim_first);
  static void dispatch_all(Startable& startable, std::size_t first);
  void destroy_instance() noexcept;
  /// Under the lock, for a call that failed with `failure` (a restart cause) while alive: restarting when a restart
  /// is left, else dead with the calls it queued moved to `orphans` and its resources to `holder`.
  void note_system_failure_locked(const std::exception_ptr& failure, std::vector<TaskPtr>& orphans,
                                  TaskPtr& holder);
  /// Once no call runs on the broken instance: frees the held resources and submits the constructor again.
  void restart(ActorHost& core, TaskPtr holder) noexcept;
  /// Fails `orphans` (never started) with the actor's death and returns `holder`'s resources.
  void bury(ActorHost& core, std::vector<TaskPtr>& orphans, TaskPtr holder) noexcept;

  std::atomic<int> refs_{0};
  std::atomic<ActorHost*> core_;  // null once killed; written under mutex_, read anywhere
  std::string name_;
  const std::type_info* type_;
  std::uint64_t id_;
  int max_concurrency_;
  void* instance_ = nullptr;
  void (*destroy_)(void*) = nullptr;
  CUstream_st* stream_ = nullptr;
  int stream_device_ = -1;
  void (*destroy_stream_)(int, CUstream_st*) noexcept = nullptr;
  int (*switch_device_)(int) noexcept = nullptr;  // makes the stream's device current around the destructor

  mutable std::mutex mutex_;
  Life life_ = Life::creating;
  std::exception_ptr death_;
  std::deque<TaskPtr> mailbox_;  // in submission order
  int running_ = 0;
  TaskPtr resource_holder_;      // the constructor task, while the actor holds its demand
  std::vector<int> gpu_ids_;     // where the actor lives
  ResourceDemand call_demand_;   // what each call reports and runs with: the held demand, or nothing
  std::unique_ptr<ActorRecipe> recipe_;  // with max_restarts: makes the constructor task again (set once, first)
  int max_restarts_ = 0;
  int restarts_ = 0;             // restarts begun
};

}  // namespace hetsched::detail
