#include "runtime_core.hpp"

#include <algorithm>
#include <cstdio>
#include <thread>
#include <utility>

#include "advice/sampled_body.hpp"
#include "exec/running_task.hpp"
#include "exec/task_failure.hpp"
#include "model/measure_bandwidths.hpp"
#include "hetsched/error.hpp"
#include "hetsched/task_context.hpp"
#include "store/buffer_binding.hpp"
#include "store/buffer_ordering.hpp"
#include "actor/restart_rule.hpp"
#include "task/retry_rule.hpp"
#include "task/task_state.hpp"

namespace hetsched::detail {
namespace {

std::atomic<std::uint64_t> next_object_id{1};

/// An input, or an earlier writer of one of its buffers, that failed: the task fails with the same error.
ObjectEntry* failed_dependency(const Task& task) noexcept {
  for (ObjectEntry* input : task.inputs()) {
    if (input->state() == ObjectState::failed) return input;
  }
  for (const OrderingDependency& earlier : state_of(task).ordering()) {
    if (earlier.propagates_failure && earlier.done->state() == ObjectState::failed) return earlier.done.get();
  }
  return nullptr;
}

/// Per-device replica capacity: the same per-GPU memory the ledger places `gpu_memory` demands against.
std::vector<std::size_t> device_capacities(const ResolvedConfig& config) {
  return {config.gpu_memory.begin(), config.gpu_memory.end()};
}

/// Pins the task's spillable arguments in host memory for its run (restoring spilled ones); on ObjectLostError,
/// unpins what it pinned and rethrows: the task fails with it.
void pin_inputs(Task& task) {
  std::span<ObjectEntry* const> inputs = task.inputs();
  std::size_t pinned = 0;
  try {
    for (; pinned < inputs.size(); ++pinned) {
      if (inputs[pinned]->spill_slot()) inputs[pinned]->pin_value();
    }
  } catch (...) {
    for (std::size_t i = 0; i < pinned; ++i) {
      if (inputs[i]->spill_slot()) inputs[i]->unpin_value();
    }
    throw;
  }
  state_of(task).inputs_pinned = true;
}

void unpin_inputs(Task& task) noexcept {
  if (!std::exchange(state_of(task).inputs_pinned, false)) return;
  for (ObjectEntry* input : task.inputs()) {
    if (input->spill_slot()) input->unpin_value();
  }
}

}  // namespace

RuntimeCore::RuntimeCore(Runtime& owner, const Config& config)
    : owner_(&owner),
      hardware_(detect_hardware()),
      config_(resolve_config(config, hardware_)),
      advisor_(config_.advice, std::int64_t{config_.num_cpus} * units_per_resource, config_.num_gpus),
      scheduler_(ResourceLedger(std::int64_t{config_.num_cpus} * units_per_resource, config_.num_gpus,
                                config_.custom_units, config_.gpu_memory),
                 make_policy(config_.placement_policy), config_.max_bypass, executor_, models_),
      executor_(config_.num_cpus, *this) {
  accounting_.get()->budget =
      std::make_shared<HostBudget>(config_.object_store_bytes, config_.spill_dir, config_.spill_batch_bytes);
  const int real_gpus = config_.real_gpus;  // the one decision of which GPUs are real, handed to every GPU part
  const std::vector<std::size_t> capacities = device_capacities(config_);
  buffers_ = BufferStorePtr(new BufferStore(make_memory_system(real_gpus, static_cast<int>(capacities.size())),
                                            capacities, accounting_.get()->budget));
  gpu_ = std::make_unique<GpuTaskRunner>(*buffers_, make_gpu_streams(real_gpus, config_.gpu_completion), real_gpus,
                                         *this);
  if (advisor_.on()) {
    buffers_->watch_uses(&advisor_);
    gpu_->set_advisor(&advisor_);
  }
  load_models();
  if (scheduler_.uses_models(0)) measure_links_once();
  start_observing();
}

void RuntimeCore::load_models() {
  if (config_.perf_model_path.empty()) return;
  models_.load(config_.perf_model_path, [&](std::string_view why) {
    std::fprintf(stderr, "hetsched: warning: %.*s\n", static_cast<int>(why.size()), why.data());
  });
}

void RuntimeCore::measure_links_once() {
  std::call_once(links_measured_, [&] {
    Bandwidths links = models_.bandwidths();
    if (!links.covers(config_.num_gpus)) {
      links = measure_bandwidths(buffers_->memory(), config_.num_gpus);
      models_.set_bandwidths(links);
    }
    scheduler_.set_links(links);
  });
}

std::uint8_t RuntimeCore::policy_index(std::string_view name) {
  const std::uint8_t index = scheduler_.policy_index(name);
  if (scheduler_.uses_models(index)) measure_links_once();
  return index;
}

RuntimeCore::~RuntimeCore() {
  if (advisor_.on()) advisor_.next_call();  // the work after a get-all ends here
  shutting_down_.store(true, std::memory_order_seq_cst);
  kill_every_actor();
  for (TaskPtr& task : scheduler_.take_all_queued()) {
    state_of(*task).stage.store(TaskStage::running, std::memory_order_relaxed);
    publish(*task, cancellation(*task), 0, Started::yes, FollowUp::return_at_once);
  }
  for (auto live = live_tasks_.load(); live != 0; live = live_tasks_.load()) live_tasks_.wait(live);
  buffers_->watch_uses(nullptr);  // buffers may outlive the runtime, and its advisor
  buffers_->shutdown();  // buffers may outlive the runtime: their device replicas come home now
  accounting_.get()->budget->shutdown();  // and so may objects: spilled ones are read back, the files removed
  finish_observing();
  if (!config_.perf_model_path.empty()) {
    try {
      models_.save(config_.perf_model_path);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "hetsched: warning: the performance models were not saved: %s\n", e.what());
    }
  }
}

void RuntimeCore::register_object(ObjectEntry& entry) {
  entry.adopt(next_object_id.fetch_add(1, std::memory_order_relaxed), accounting_.get());
}

void RuntimeCore::publish_put(ObjectEntry& entry, std::size_t bytes) {
  if (advisor_.on()) advisor_.next_call();
  register_object(entry);
  entry.enter_budget(bytes);  // ObjectStoreFullError reaches the caller of put
  entry.mark_ready(bytes);
}

void RuntimeCore::submit(TaskPtr task) {
  if (task->role != TaskRole::actor_call) check_feasible(*task);
  state_of(*task).core = this;
  task->result->set_producer(task.get());  // before registering: the store's registry shares the entry
  register_object(*task->result.get());
  if (advisor_.on()) advisor_.submitted(*task);
  live_tasks_.fetch_add(1, std::memory_order_relaxed);
  submitted_.fetch_add(1, std::memory_order_relaxed);
  if (task->role == TaskRole::actor_creation) task->actor->retain();  // dropped when the constructor task ends
  order_buffer_uses(*task);
  if (Task* parent = current_task()) {
    note_child(*parent, *task);  // for a recursive cancel of the task submitting it
    if (state_of(*parent).cancel.load(std::memory_order_acquire) == CancelState::recursive) {
      state_of(*task).cancel.store(CancelState::recursive, std::memory_order_relaxed);  // fails where it first waits
    }
  }
  if (shutting_down_.load(std::memory_order_acquire)) {
    state_of(*task).stage.store(TaskStage::running, std::memory_order_relaxed);
    publish(*task, cancellation(*task), 0, Started::no, FollowUp::return_at_once);
    return;
  }
  // An actor call takes its place in the mailbox now, so calls start in submission order. Without ObjectRef
  // arguments it is ready at once and needs no input counting.
  const bool ready = task->inputs().empty() && state_of(*task).ordering().empty();
  if (task->role == TaskRole::actor_call) {
    if (ready) state_of(*task).stage.store(TaskStage::queued, std::memory_order_relaxed);
    if (!task->actor->add_call(task) || ready) return;
  }
  // One extra count while registering, so inputs completing meanwhile cannot start the task early.
  TaskState& state = state_of(*task);
  state.unresolved_inputs.store(static_cast<int>(task->inputs().size() + state.ordering().size()) + 1,
                                std::memory_order_relaxed);
  Task* pending = task.detach();  // this reference is handed over by the last object_completed()
  for (ObjectEntry* input : pending->inputs()) {
    if (!input->add_waiter(pending)) state.unresolved_inputs.fetch_sub(1, std::memory_order_relaxed);
  }
  for (OrderingDependency& earlier : state.ordering()) {
    if (!earlier.done->add_waiter(pending)) state.unresolved_inputs.fetch_sub(1, std::memory_order_relaxed);
  }
  pending->object_completed();
}

void RuntimeCore::check_feasible(Task& task) {
  ResourceDemand* gpu_body = task.bodies > 1 ? task.gpu_body_demand() : nullptr;
  if (!gpu_body) {
    scheduler_.check_feasible(task.demand);
    return;
  }
  // A body that can never run here is dropped, with a warning, as long as the other one can.
  auto refusal = [&](const ResourceDemand& demand) -> std::string {
    try {
      scheduler_.check_feasible(demand);
      return {};
    } catch (const ResourceError& e) {
      return e.what();
    }
  };
  const std::string cpu_refused = refusal(task.demand);
  const std::string gpu_refused = refusal(*gpu_body);
  if (!cpu_refused.empty() && !gpu_refused.empty()) {
    throw ResourceError("task '" + task.name + "': neither of its bodies can ever run here. CPU body: " +
                        cpu_refused + ". GPU body: " + gpu_refused);
  }
  if (cpu_refused.empty() && gpu_refused.empty()) return;
  warn_once(task.name, "task '" + task.name + "': its " + (cpu_refused.empty() ? "GPU" : "CPU") +
                           " body can never run here, so only its other body runs (" +
                           (cpu_refused.empty() ? gpu_refused : cpu_refused) + ")");
  if (!cpu_refused.empty()) task.demand = *gpu_body;
  task.bodies = 1;
}

void RuntimeCore::warn_once(const std::string& topic, const std::string& message) {
  {
    std::lock_guard lock(warned_mutex_);
    if (!warned_.insert(topic).second) return;
  }
  std::fprintf(stderr, "hetsched: warning: %s\n", message.c_str());
}

void RuntimeCore::inputs_resolved(TaskPtr task) noexcept {
  if (task->role == TaskRole::actor_call) {
    task->actor->call_ready(std::move(task));  // a failed input is published in mailbox order, when it runs
    return;
  }
  TaskStage waiting = TaskStage::waiting_for_inputs;
  if (!state_of(*task).stage.compare_exchange_strong(waiting, TaskStage::queued, std::memory_order_acq_rel)) {
    return;  // Runtime::cancel claimed it while it waited, and published it
  }
  if (failed_dependency(*task) || state_of(*task).cancel_requested() ||
      shutting_down_.load(std::memory_order_acquire)) {
    // No resources needed to record a failure; the executor runs it off this (possibly deep) call stack.
    state_of(*task).stage.store(TaskStage::dispatched, std::memory_order_release);
    executor_.dispatch(std::move(task));
    return;
  }
  scheduler_.enqueue(std::move(task));
}

TaskPtr RuntimeCore::run_claimed(Task& task, FollowUp follow_up) noexcept {
  if (state_of(task).deferred_failure) {  // its policy found no device that could ever hold it (nothing was taken)
    return publish(task, std::exchange(state_of(task).deferred_failure, nullptr), 0, Started::yes, follow_up);
  }
  if (ObjectEntry* failed = failed_dependency(task)) {
    return publish(task, failed->error(), 0, Started::yes, follow_up);
  }
  if (shutting_down_.load(std::memory_order_acquire)) {
    return publish(task, cancellation(task), 0, Started::yes, follow_up);
  }
  if (state_of(task).cancel_requested()) return publish(task, nullptr, 0, Started::yes, follow_up);
  try {
    pin_inputs(task);
  } catch (...) {
    return publish(task, std::current_exception(), 0, Started::yes, follow_up);
  }
  const MemoryNode node = memory_node_of(task);
  RunningTaskScope scope(task);
  if (gpu_->runs_on(node)) {
    if (timeline_.on()) state_of(task).device().timing.stamp_start = true;  // see note_gpu_run
    return gpu_->run(task, node, follow_up);
  }
  std::size_t bytes = 0;
  std::exception_ptr failure;
  Timeline::TimePoint started{};
  try {
    bind_task_buffers(task, node, nullptr, *buffers_);
    TaskContext context = CoreAccess::task_context(task, nullptr);
    started = timeline_.stamp();
    state_of(task).body_starts();
    bytes = invoke_sampled(advisor_, task, context);
    if (state_of(task).deferred_failure) std::rethrow_exception(state_of(task).deferred_failure);
  } catch (...) {
    failure = as_task_failure(task);
  }
  unbind_task_buffers(task, node, *buffers_);
  if (started != Timeline::TimePoint{}) timeline_.task_ran(task, node, started, failure != nullptr);
  return publish(task, std::move(failure), bytes, Started::yes, follow_up);
}

TaskPtr RuntimeCore::task_done(Task& task, std::exception_ptr failure, std::size_t bytes,
                               FollowUp follow_up) noexcept {
  return publish(task, std::move(failure), bytes, Started::yes, follow_up);
}

void RuntimeCore::body_returned(Task& task) noexcept {
  // The CPU share was for the body's thread: queued tasks may have it while the stream runs. An actor's constructor
  // keeps its demand for the actor's lifetime, and an actor's calls hold none of their own.
  if (task.role == TaskRole::plain) scheduler_.body_returned(task);
}

void RuntimeCore::fail_unstarted(Task& task, std::exception_ptr failure) noexcept {
  publish(task, std::move(failure), 0, Started::no, FollowUp::return_at_once);
}

bool RuntimeCore::retry(Task& task, const std::exception_ptr& failure) noexcept {
  TaskState& state = state_of(task);
  if (state.cancel_requested() || shutting_down_.load(std::memory_order_acquire) ||
      !should_retry(task, failure, state.body_started, failed_dependency(task) != nullptr)) {
    return false;
  }
  --task.retries_left;
  retries_.fetch_add(1, std::memory_order_relaxed);
  // Back to where an arriving task starts: holding nothing, its body not called; the policy places it afresh.
  if (state.holds_resources) scheduler_.finished(task);
  unpin_inputs(task);
  state.deferred_failure = nullptr;
  state.body_started = false;
  state.bypassed = 0;
  if (state.device_state) state.device_state->timing.timed = state.device_state->timing.record = false;
  scheduler_.enqueue(TaskPtr(&task));
  return true;
}

TaskPtr RuntimeCore::publish(Task& task, std::exception_ptr failure, std::size_t bytes, Started started,
                             FollowUp follow_up) noexcept {
  if (failure && task.retries_left > 0 && retry(task, failure)) return {};
  // From here on Runtime::cancel is too late; one that came first discards the outcome.
  if (const CancelState asked = state_of(task).cancel.exchange(CancelState::closed, std::memory_order_acq_rel);
      asked == CancelState::requested || asked == CancelState::recursive) {
    if (!is_cancellation(failure)) failure = cancelled_by_user(task);
    bytes = 0;
  }
  if (state_of(task).has_children) forget_children(task);
  if (const TaskDeviceState* device = state_of(task).device_if_any();
      device && device->timing.record && !failure && state_of(task).body_started) {
    const RunTiming& timing = device->timing;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - timing.started_at).count();
    try {  // a first sample allocates its history's slot; without memory the sample is lost, nothing else
      models_.record(timing.model_task, timing.variant, task.demand.gpu > 0 ? DeviceKind::gpu : DeviceKind::cpu,
                     timing.input_bytes, seconds);
    } catch (...) {
    }
  }
  bool kept_by_actor = task.role == TaskRole::actor_creation && task.actor->created(task, failure);
  // Once kept, the actor owns the task's resource fields (kill() may release them at any moment): hands off.
  if (!kept_by_actor && state_of(task).holds_resources) scheduler_.finished(task);  // before anyone can see the result
  state_of(task).stage.store(TaskStage::finished, std::memory_order_release);
  if (ObjectEntry* completion = state_of(task).completion()) {
    if (std::exception_ptr left = buffer_outcome(task, failure)) {
      completion->mark_failed(std::move(left));
    } else {
      completion->mark_ready(0);
    }
  }
  unpin_inputs(task);
  if (!failure) {
    try {
      task.result->enter_budget(bytes);
    } catch (...) {
      failure = std::current_exception();  // ObjectStoreFullError: the result does not fit
    }
  }
  if (timeline_.on()) note_gpu_run(task, failure != nullptr);
  std::exception_ptr restart = task.role == TaskRole::actor_call ? restart_cause(task, failure) : nullptr;
  if (failure) {
    failed_.fetch_add(1, std::memory_order_relaxed);
    task.result->mark_failed(std::move(failure));
  } else {
    task.result->mark_ready(bytes);
  }
  TaskPtr next;
  if (task.role == TaskRole::actor_call && started == Started::yes) {
    next = task.actor->call_finished(follow_up, std::move(restart));
  }
  if (task.role == TaskRole::actor_creation) task.actor->release();
  // Last: once no task is live, the destructor may tear the runtime down.
  if (live_tasks_.fetch_sub(1, std::memory_order_acq_rel) == 1) live_tasks_.notify_all();
  return next;
}

ActorRef RuntimeCore::create_actor(std::string name, const std::type_info& type, int max_concurrency) {
  if (shutting_down_.load(std::memory_order_acquire)) {
    throw ActorDiedError("cannot create an actor: the Runtime is shutting down");
  }
  ActorRef actor(new ActorState(*this, std::move(name), type, max_concurrency));
  std::lock_guard lock(actors_mutex_);
  if (!actor->name().empty()) {
    auto [it, inserted] = named_actors_.emplace(actor->name(), actor.get());
    if (!inserted) {
      throw UsageError("an actor named '" + actor->name() +
                       "' already exists; pick another name, or look it up with get_actor");
    }
  }
  actors_.emplace(actor->id(), actor.get());
  return actor;
}

ActorRef RuntimeCore::find_actor(const std::string& name, const std::type_info& type) {
  std::lock_guard lock(actors_mutex_);
  auto it = named_actors_.find(name);
  if (it == named_actors_.end() || !it->second->try_retain()) {
    throw UsageError("there is no live actor named '" + name + "'; create it with rt.actor<T>().name(\"" + name +
                     "\").remote(...)");
  }
  ActorRef actor = ActorRef::adopt(it->second);
  if (actor->type() != type) {
    throw UsageError("the actor named '" + name + "' is not of the type asked for; use get_actor with its class");
  }
  return actor;
}

void RuntimeCore::unregister_actor(ActorState& actor) noexcept {
  std::lock_guard lock(actors_mutex_);
  if (actors_.erase(actor.id()) == 0) return;  // killed earlier: already forgotten
  auto named = named_actors_.find(actor.name());
  if (named != named_actors_.end() && named->second == &actor) named_actors_.erase(named);
}

void RuntimeCore::kill_every_actor() {
  std::vector<ActorRef> alive;
  {
    std::lock_guard lock(actors_mutex_);
    for (auto& [id, actor] : actors_) {
      if (actor->try_retain()) alive.push_back(ActorRef::adopt(actor));
    }
  }
  auto reason = std::make_exception_ptr(ActorDiedError("the actor was stopped: its Runtime shut down"));
  for (auto& actor : alive) actor->kill(reason);
  alive.clear();
  // Actors whose last reference was dropped meanwhile unregister themselves in their destructor.
  for (;;) {
    {
      std::lock_guard lock(actors_mutex_);
      if (actors_.empty()) return;
    }
    std::this_thread::yield();
  }
}

std::exception_ptr RuntimeCore::cancellation(const Task& task) const {
  return std::make_exception_ptr(TaskCancelledError(
      "task '" + task.name + "' was cancelled: the Runtime shut down before it started"));
}

Task* RuntimeCore::current_task() const noexcept {
  const RunningFrame* running = innermost_running();
  return running && state_of(*running->task).core == this ? running->task : nullptr;
}

bool RuntimeCore::fail_task_destroying_it() noexcept {
  Task* current = current_task();
  if (!current) return false;
  try {
    state_of(*current).deferred_failure = std::make_exception_ptr(UsageError(
        "the Runtime was destroyed from inside its own task '" + current->name +
        "', which its destructor would have to wait for; destroy the Runtime outside its tasks, after get"));
  } catch (...) {
    state_of(*current).deferred_failure = std::current_exception();  // out of memory: the task fails with that
  }
  return true;
}

void Task::object_completed() noexcept {
  if (state_of(*this).unresolved_inputs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    RuntimeCore::of(*this).inputs_resolved(TaskPtr::adopt(this));
  }
}

}  // namespace hetsched::detail
