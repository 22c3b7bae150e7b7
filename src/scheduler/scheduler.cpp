#include "scheduler/scheduler.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "hetsched/error.hpp"
#include "hetsched/detail/buffer_entry.hpp"
#include "store/buffer_data.hpp"
#include "task/task_state.hpp"

namespace hetsched::detail {
namespace {

/// True when `a` goes before `b`: higher priority first, then earlier arrival.
bool ahead(const Task& a, const Task& b) noexcept {
  if (a.priority != b.priority) return a.priority > b.priority;
  return state_of(a).sequence < state_of(b).sequence;
}

}  // namespace

Scheduler::Scheduler(ResourceLedger ledger, std::unique_ptr<Policy> policy, std::uint32_t max_bypass,
                     Dispatcher& dispatcher, PerfModel& models)
    : ledger_(std::move(ledger)),
      models_(models),
      max_bypass_(max_bypass),
      dispatcher_(dispatcher),
      committed_(ledger_.gpus().size()) {
  policies_.push_back(std::move(policy));
  gpu_busy_until_.assign(ledger_.gpus().size(), 0.0);
}

bool Scheduler::uses_models(std::uint8_t index) const {
  std::lock_guard lock(mutex_);
  return policies_[index]->uses_models();
}

void Scheduler::set_links(const Bandwidths& links) {
  std::lock_guard lock(mutex_);
  links_ = links;
}

double Scheduler::now_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_).count();
}

std::uint32_t Scheduler::model_id(const std::string& name) {
  for (const auto& [known, id] : model_ids_) {
    if (known == name) return id;
  }
  constexpr std::size_t cached = 16;
  if (model_ids_.size() == cached) model_ids_.erase(model_ids_.begin());
  model_ids_.emplace_back(name, models_.intern(name));
  return model_ids_.back().second;
}

void Scheduler::add_predictions(Task& task, Snapshot& snapshot) {
  std::uint64_t bytes = 0;
  for (ObjectEntry* input : task.inputs()) {
    if (input->state() == ObjectState::ready) bytes += input->size_bytes();
  }
  predicted_input_bytes_ = bytes;
  predicted_model_id_ = model_id(task.name);
  const double now = now_s();
  predicted_at_ = now;
  for (VariantView& body : bodies_) {
    const Prediction prediction = cached_prediction(predicted_model_id_, body.on_gpu() ? 1 : 0, bytes, now);
    body.predicted_s = prediction.seconds;
    body.samples = prediction.samples;
  }
  predicted_gpus_.assign(ledger_.gpus().begin(), ledger_.gpus().end());
  for (std::size_t d = 0; d < predicted_gpus_.size(); ++d) {
    const int node = static_cast<int>(d);
    predicted_gpus_[d].available_in_s =
        std::max(0.0, gpu_busy_until_[d] - now) + committed_.work_ahead(node, task.priority);
    predicted_gpus_[d].committed = committed_.size(node);
  }
  snapshot.gpus = predicted_gpus_;
  snapshot.cpus_available_in_s = std::max(0.0, cpu_busy_until_ - now) + committed_.work_ahead(-1, task.priority);
  snapshot.cpus_committed = committed_.size(-1);
  snapshot.commit_limit = default_commit_limit;
  snapshot.links = links_;
  snapshot.calibration_samples = PerfModel::enough_samples;
}

Prediction Scheduler::cached_prediction(std::uint32_t task, int variant, std::uint64_t input_bytes, double now) {
  const std::uint32_t bucket = size_bucket(input_bytes);
  auto same = [&](const CachedPrediction& c) { return c.task == task && c.variant == variant && c.bucket == bucket; };
  auto found = std::find_if(predictions_.begin(), predictions_.end(), same);
  if (found == predictions_.end()) {
    constexpr std::size_t cached = 64;
    if (predictions_.size() == cached) predictions_.erase(predictions_.begin());
    found = predictions_.insert(predictions_.end(), {task, variant, bucket, {}, -1.0});
  }
  // Calibrating bodies need their sample counts as they are; trusted predictions are refreshed every millisecond,
  // so that the executors recording runs and the scheduler do not meet on the models' lock for every task.
  if (found->fetched_at < 0 || now - found->fetched_at > prediction_refresh_s ||
      found->prediction.samples < PerfModel::enough_samples) {
    found->prediction = models_.predict(task, variant, variant == 1 ? DeviceKind::gpu : DeviceKind::cpu, input_bytes);
    found->fetched_at = now;
  }
  return found->prediction;
}

void Scheduler::note_timing(Task& task, int variant) {
  RunTiming& timing = state_of(task).device().timing;
  timing.timed = true;
  // A body the models know well is sampled: one run in record_one_in teaches them (the window then follows a change
  // within record_one_in * SampleWindow::capacity / 2 runs); the others skip two clock reads and the record.
  const VariantView& body = bodies_[static_cast<std::size_t>(variant)];
  timing.record = body.samples < sample_all_below || ++placed_since_sample_ % record_one_in == 0;
  timing.variant = body.on_gpu() ? 1 : 0;
  timing.model_task = predicted_model_id_;
  timing.input_bytes = predicted_input_bytes_;
}

double Scheduler::busy_share_s(const VariantView& body) const {
  if (body.predicted_s < 0) return 0;  // nothing known yet: availability stays as it was
  if (body.on_gpu()) return body.predicted_s * from_units(std::min(body.gpu_units, units_per_resource));
  if (ledger_.total_cpu_units() <= 0) return 0;
  return body.predicted_s * static_cast<double>(body.cpu_units) / static_cast<double>(ledger_.total_cpu_units());
}

void Scheduler::note_busy(bool on_gpu, std::span<const int> devices, double busy_s, double now, double copies_s) {
  if (busy_s <= 0) return;
  if (!on_gpu) {
    cpu_busy_until_ = std::max(cpu_busy_until_, now) + busy_s;
    return;
  }
  for (int d : devices) {
    double& busy = gpu_busy_until_[static_cast<std::size_t>(d)];
    busy = std::max(busy, now) + copies_s + busy_s;
  }
}

void Scheduler::note_predicted_placement(Task& task, int variant, std::span<const int> devices,
                                         const Snapshot& snapshot) {
  note_timing(task, variant);
  const VariantView& body = bodies_[static_cast<std::size_t>(variant)];
  // A GPU body runs once its inputs are there: the device is busy for their copies too (the slowest of its devices').
  double copies_s = 0;
  if (body.on_gpu()) {
    for (int d : devices) copies_s = std::max(copies_s, input_transfer_seconds(snapshot, d));
  }
  note_busy(body.on_gpu(), devices, busy_share_s(body), predicted_at_, copies_s);  // decided a moment ago
}

void Scheduler::note_devices_freed(const Task& task) {
  const auto gpus = ledger_.gpus();
  double now = -1;
  for (int d : state_of(task).gpu_ids()) {
    if (gpus[static_cast<std::size_t>(d)].free_units < units_per_resource) continue;
    if (now < 0) now = now_s();
    double& busy = gpu_busy_until_[static_cast<std::size_t>(d)];
    busy = std::min(busy, now);  // idle: whatever was predicted for it is over
  }
}

std::uint8_t Scheduler::policy_index(std::string_view name) {
  std::unique_ptr<Policy> made = make_policy(name);  // UsageError for an unknown name
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < policies_.size(); ++i) {
    if (policies_[i]->name() == made->name()) return static_cast<std::uint8_t>(i);
  }
  if (policies_.size() > UINT8_MAX) {
    throw UsageError("too many distinct placement policies in one Runtime (255); reuse a seed of \"random:SEED\"");
  }
  policies_.push_back(std::move(made));
  return static_cast<std::uint8_t>(policies_.size() - 1);
}

void Scheduler::ClassQueue::push(TaskPtr task) {
  int priority = task->priority;
  by_priority[priority].push_back(std::move(task));
  ++size;
}

std::map<int, std::deque<TaskPtr>, std::greater<>>::iterator Scheduler::ClassQueue::first_level() {
  auto level = by_priority.begin();
  while (level->second.empty()) ++level;
  return level;
}

void Scheduler::ClassQueue::took_from(std::map<int, std::deque<TaskPtr>, std::greater<>>::iterator level) {
  --size;
  if (level->second.empty() && by_priority.size() > kept_levels) by_priority.erase(level);
}

TaskPtr Scheduler::ClassQueue::pop_head() {
  auto level = first_level();
  TaskPtr task = std::move(level->second.front());
  level->second.pop_front();
  took_from(level);
  return task;
}

bool Scheduler::ClassQueue::holds(Task& task) {
  if (!(demand == task.demand)) return false;
  const ResourceDemand* task_gpu_body = task.bodies > 1 ? task.gpu_body_demand() : nullptr;
  return task_gpu_body ? gpu_body == *task_gpu_body : !gpu_body;
}

std::uint32_t Scheduler::class_of(Task& task) {
  for (std::size_t i = 0; i < classes_.size(); ++i) {
    if (classes_[i].holds(task)) return static_cast<std::uint32_t>(i);
  }
  ClassQueue& added = classes_.emplace_back();
  added.demand = task.demand;
  if (task.bodies > 1) added.gpu_body = *task.gpu_body_demand();
  return static_cast<std::uint32_t>(classes_.size() - 1);
}

Scheduler::Placement Scheduler::try_place(Task& task, std::uint32_t queued_behind) {
  const ResourceDemand* gpu_body = task.bodies > 1 ? task.gpu_body_demand() : nullptr;
  std::vector<int> devices;
  int variant = 0;
  bool predicted = false;
  Snapshot snapshot;  // what the policy decided on (its inputs and links price the placement's copies below)
  if (task.demand.gpu > 0 || gpu_body) {
    if (!ledger_.custom_fits(task.demand)) return Placement::waits;  // before building a snapshot it would not need
    const Policy& policy = *policies_[task.policy];
    predicted = policy.uses_models();
    snapshot = snapshot_of(task, gpu_body, queued_behind);
    if (predicted) add_predictions(task, snapshot);
    Decision decision = policy.decide(snapshot);
    if (decision.kind == Decision::Kind::wait) return Placement::waits;
    if (decision.kind == Decision::Kind::infeasible) return Placement::never;
    devices = std::move(decision.gpus);
    variant = decision.variant;
    if (decision.kind == Decision::Kind::commit) return commit_to(task, snapshot, variant, devices, predicted);
  }
  const ResourceDemand& demand = variant == 1 ? *gpu_body : task.demand;
  if (!ledger_.try_acquire(demand, devices)) return Placement::waits;
  if (predicted) note_predicted_placement(task, variant, devices, snapshot);
  take_body(task, variant, std::move(devices));
  return Placement::taken;
}

Scheduler::Placement Scheduler::commit_to(Task& task, const Snapshot& snapshot, int variant,
                                          const std::vector<int>& devices, bool predicted) {
  // Refused as the ledger refuses a placement that does not fit: the task waits in its class queue.
  const bool body_known = variant >= 0 && static_cast<std::size_t>(variant) < bodies_.size();
  if (!body_known) return Placement::waits;
  const VariantView& body = bodies_[static_cast<std::size_t>(variant)];
  const int node = body.on_gpu() && devices.size() == 1 ? devices.front() : -1;
  const bool node_fits = body.on_gpu() ? node >= 0 && node < static_cast<int>(snapshot.gpus.size()) &&
                                             body.gpu_units <= units_per_resource
                                       : devices.empty();
  if (!node_fits || committed_.size(node) >= snapshot.commit_limit) return Placement::waits;
  if (predicted) note_timing(task, variant);
  const double copies_s = predicted && node >= 0 ? input_transfer_seconds(snapshot, node) : 0.0;
  pending_commit_ = {node, variant, predicted ? busy_share_s(body) : 0.0, copies_s};
  return Placement::committed;
}

void Scheduler::take_body(Task& task, int variant, std::vector<int> devices) {
  TaskState& state = state_of(task);
  if (task.bodies > 1) {
    if (variant == 1) task.demand = *task.gpu_body_demand();  // from now on the task is its chosen body
    task.bodies = 1;
  }
  if (!devices.empty() || state.device_if_any()) {  // a CPU task gets no device bookkeeping
    TaskDeviceState& device = state.device();
    device.gpu_units_per_device = devices.empty() ? 0 : ResourceLedger::units_per_device(task.demand);
    device.gpu_ids = std::move(devices);
  }
  state.holds_resources = true;
}

void Scheduler::start_committed(StartedTasks& started) {
  if (committed_.size() == 0) return;
  for (int node = -1; node <= committed_.last_node(); ++node) {
    while (committed_.size(node) > 0) {
      CommittedTask& next = committed_.head(node);
      Task& task = *next.task;
      const ResourceDemand& demand =
          next.variant == 1 && task.bodies > 1 ? *task.gpu_body_demand() : task.demand;
      std::vector<int> devices;
      if (node >= 0) {
        // The ledger takes a placement's devices as given (the policy chose ones that fit): check this one here.
        const GpuView& gpu = ledger_.gpus()[static_cast<std::size_t>(node)];
        if (gpu.free_units < ResourceLedger::units_per_device(demand) || gpu.free_memory < demand.gpu_memory) break;
        devices.push_back(node);
      }
      if (!ledger_.try_acquire(demand, devices)) break;
      note_busy(node >= 0, devices, next.busy_s, now_s(), next.copies_s);
      take_body(task, next.variant, std::move(devices));
      state_of(task).stage.store(TaskStage::dispatched, std::memory_order_release);
      started.push(committed_.pop(node).task);
      queued_.fetch_sub(1, std::memory_order_seq_cst);
    }
  }
}

Snapshot Scheduler::snapshot_of(Task& task, const ResourceDemand* gpu_body, std::uint32_t queued_behind) {
  inputs_.clear();
  for (const BufferUse& use : task.buffers()) {
    if (use.entry->state() != ObjectState::ready) continue;
    if (const BufferData* data = use.entry->data()) inputs_.push_back({data->bytes(), data->valid_nodes()});
  }
  bodies_.clear();
  bodies_.push_back({task.demand.cpu, task.demand.gpu, task.demand.gpu_memory});
  if (gpu_body) bodies_.push_back({gpu_body->cpu, gpu_body->gpu, gpu_body->gpu_memory});
  Snapshot snapshot;
  snapshot.task = {bodies_, state_of(task).sequence, task.priority, queued_behind, inputs_};
  snapshot.gpus = ledger_.gpus();
  snapshot.free_cpu_units = ledger_.free_cpu_units();
  snapshot.total_cpu_units = ledger_.total_cpu_units();
  return snapshot;
}

Scheduler::Placement Scheduler::start_now(Task& task, std::uint32_t queued_behind) {
  const Placement placement = try_place(task, queued_behind);
  switch (placement) {
    case Placement::taken:
    case Placement::waits:
    case Placement::committed:
      return placement;
    case Placement::never:
      // Dispatched without resources; the executor publishes this instead of running the body.
      state_of(task).deferred_failure = std::make_exception_ptr(ResourceError(
          "task '" + task.name + "': placement policy '" + std::string(policies_[task.policy]->name()) +
          "' found no device that could ever hold its GPU demand; lower .gpus() or .gpu_memory()"));
      return Placement::taken;
  }
  return Placement::waits;
}

void Scheduler::enqueue(TaskPtr task) {
  if (ResourceLedger::cpu_only(task->demand) && task->bodies == 1 && queued_.load(std::memory_order_seq_cst) == 0 &&
      ledger_.try_take_cpus(task->demand.cpu)) {
    state_of(*task).holds_resources = true;
    state_of(*task).stage.store(TaskStage::dispatched, std::memory_order_release);
    dispatcher_.dispatch(std::move(task));
    return;
  }
  StartedTasks started;
  {
    std::lock_guard lock(mutex_);
    state_of(*task).sequence = next_sequence_++;
    const Placement placement =
        queued_.load(std::memory_order_relaxed) == 0 ? start_now(*task, 0) : Placement::waits;
    if (placement == Placement::taken) {
      state_of(*task).stage.store(TaskStage::dispatched, std::memory_order_release);
    } else {
      state_of(*task).stage.store(TaskStage::queued, std::memory_order_relaxed);
      if (placement == Placement::committed) {
        committed_.push(pending_commit_.node,
                        {std::move(task), pending_commit_.variant, pending_commit_.busy_s, pending_commit_.copies_s});
      } else {
        classes_[class_of(*task)].push(std::move(task));
      }
      queued_.fetch_add(1, std::memory_order_seq_cst);
      dispatch_ready(started);
    }
  }
  if (task) {
    dispatcher_.dispatch(std::move(task));
  } else {
    started.send_to(dispatcher_);
  }
}

void Scheduler::finished(Task& task) {
  TaskState& state = state_of(task);
  if (!state.holds_resources) return;
  const bool cpus_too = !std::exchange(state.cpus_returned, false);
  if (ResourceLedger::cpu_only(task.demand)) {
    ledger_.release(task.demand, {}, cpus_too);
    state.holds_resources = false;
    dispatch_queued();
    return;
  }
  StartedTasks started;
  {
    std::lock_guard lock(mutex_);
    ledger_.release(task.demand, state.gpu_ids(), cpus_too);
    state.holds_resources = false;
    if (const TaskDeviceState* device = state.device_if_any(); device && device->timing.timed) {
      note_devices_freed(task);
    }
    if (queued_.load(std::memory_order_relaxed) > 0) dispatch_ready(started);
  }
  started.send_to(dispatcher_);
}

void Scheduler::body_returned(Task& task) {
  TaskState& state = state_of(task);
  if (!state.holds_resources || state.cpus_returned || task.demand.cpu == 0) return;
  state.cpus_returned = true;
  ledger_.give_cpus(task.demand.cpu);
  dispatch_queued();
}

void Scheduler::lend_cpus(const Task& task) {
  if (!ResourceLedger::cpu_only(task.demand)) blocked_holders_.fetch_add(1, std::memory_order_acq_rel);
  ledger_.give_cpus(task.demand.cpu);
  dispatch_queued();
}

void Scheduler::reclaim_cpus(const Task& task) {
  ledger_.reclaim_cpus(task.demand.cpu);
  if (!ResourceLedger::cpu_only(task.demand)) blocked_holders_.fetch_sub(1, std::memory_order_acq_rel);
}

bool Scheduler::hand_cpus_to(const Task& waiting, Task& producer) {
  if (!ResourceLedger::cpu_only(producer.demand) || producer.demand.cpu > waiting.demand.cpu) return false;
  std::lock_guard lock(mutex_);
  TaskPtr hold = remove_queued(producer);  // the caller holds the producer too: it outlives this reference
  if (!hold) return false;
  // The waiting task's CPUs pass to the producer whatever else is free (the ledger may be oversubscribed by loans).
  // A loan like lend_cpus's, ended by the same reclaim_cpus, so it counts the same way.
  if (!ResourceLedger::cpu_only(waiting.demand)) blocked_holders_.fetch_add(1, std::memory_order_acq_rel);
  ledger_.give_cpus(waiting.demand.cpu);
  ledger_.reclaim_cpus(producer.demand.cpu);
  state_of(producer).holds_resources = true;
  producer.bodies = 1;  // a variants() task runs its CPU body here
  state_of(producer).stage.store(TaskStage::running, std::memory_order_release);
  return true;
}

TaskPtr Scheduler::take_queued(Task& task) {
  StartedTasks started;
  TaskPtr taken;
  {
    std::lock_guard lock(mutex_);
    taken = remove_queued(task);
    if (!taken) return {};
    state_of(task).stage.store(TaskStage::running, std::memory_order_release);
    dispatch_ready(started);  // it may have been a head that others waited behind
  }
  started.send_to(dispatcher_);
  return taken;
}

TaskPtr Scheduler::remove_queued(Task& task) {
  if (state_of(task).stage.load(std::memory_order_relaxed) != TaskStage::queued) return {};
  if (committed_.size() > 0) {
    if (TaskPtr removed = committed_.remove(task)) {
      queued_.fetch_sub(1, std::memory_order_seq_cst);
      return removed;
    }
  }
  for (auto& queue : classes_) {
    if (!queue.holds(task)) continue;
    auto level = queue.by_priority.find(task.priority);
    if (level == queue.by_priority.end()) return {};
    std::deque<TaskPtr>& tasks = level->second;
    // The task looked for was most likely submitted last: search from the back.
    auto it = std::find_if(tasks.rbegin(), tasks.rend(), [&](const TaskPtr& queued) { return queued.get() == &task; });
    if (it == tasks.rend()) return {};
    TaskPtr removed = std::move(*it);
    tasks.erase(std::next(it).base());
    queue.took_from(level);
    queued_.fetch_sub(1, std::memory_order_seq_cst);
    return removed;
  }
  return {};
}

void Scheduler::dispatch_queued() {
  if (queued_.load(std::memory_order_seq_cst) == 0) return;
  StartedTasks started;
  {
    std::lock_guard lock(mutex_);
    dispatch_ready(started);
  }
  started.send_to(dispatcher_);
}

void Scheduler::dispatch_ready(StartedTasks& started) {
  std::vector<ClassQueue*>& order = order_;
  for (;;) {
    start_committed(started);  // committed tasks take their devices first
    order.clear();
    for (auto& queue : classes_) {
      if (!queue.empty()) order.push_back(&queue);
    }
    std::sort(order.begin(), order.end(),
              [](ClassQueue* a, ClassQueue* b) { return ahead(*a->head(), *b->head()); });
    bool started_one = false;
    for (ClassQueue* queue : order) {
      Task& head = *queue->head();
      const Placement placement = start_now(head, static_cast<std::uint32_t>(queue->size - 1));
      if (placement == Placement::waits) {
        // Reserved: nothing behind it starts until it fits (unless a blocked task holds what it may be waiting for).
        if (state_of(head).bypassed >= max_bypass_ && blocked_holders_.load(std::memory_order_acquire) == 0) break;
        continue;
      }
      count_bypass(head);
      if (placement == Placement::committed) {  // still queued (counted in queued_), now on its device's queue
        committed_.push(pending_commit_.node,
                        {queue->pop_head(), pending_commit_.variant, pending_commit_.busy_s, pending_commit_.copies_s});
      } else {
        state_of(head).stage.store(TaskStage::dispatched, std::memory_order_release);
        started.push(queue->pop_head());
        queued_.fetch_sub(1, std::memory_order_seq_cst);
      }
      started_one = true;
      break;  // heads changed: recompute the order
    }
    if (!started_one) return;
  }
}

void Scheduler::count_bypass(const Task& started) {
  // Only a start by a task behind a head in the queue order overtakes it: a higher priority one does not.
  for (auto& queue : classes_) {
    if (queue.empty()) continue;
    Task& head = *queue.head();
    if (ahead(head, started)) ++state_of(head).bypassed;
  }
}

std::vector<TaskPtr> Scheduler::take_all_queued() {
  std::lock_guard lock(mutex_);
  std::vector<TaskPtr> drained;
  for (auto& queue : classes_) {
    for (auto& [priority, tasks] : queue.by_priority) {
      for (auto& task : tasks) drained.push_back(std::move(task));
    }
    queue.by_priority.clear();
    queue.size = 0;
  }
  committed_.take_all(drained);
  queued_.store(0, std::memory_order_seq_cst);
  return drained;
}

std::map<std::string, double> Scheduler::totals() const {
  std::lock_guard lock(mutex_);
  return ledger_.totals();
}

std::pair<ResourceDemand, std::uint8_t> Scheduler::demand_of(const Task& task) const {
  std::lock_guard lock(mutex_);
  return {task.demand, task.bodies};
}

std::map<std::string, double> Scheduler::available() const {
  std::lock_guard lock(mutex_);
  return ledger_.available();
}

}  // namespace hetsched::detail
