// Observability: the timeline's start and end, the task and actor listings, the counters and the summary table
// (Runtime::timeline, list_tasks, list_actors, counters, summary), and HETSCHED_PROGRESS.
#include <cxxabi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "hetsched/error.hpp"
#include "hetsched/runtime.hpp"
#include "hetsched/detail/buffer_entry.hpp"
#include "runtime_core.hpp"
#include "store/buffer_data.hpp"
#include "task/task_description.hpp"

namespace hetsched {

std::string_view to_string(TaskStatus status) noexcept {
  switch (status) {
    case TaskStatus::waiting_for_inputs:
      return "waiting_for_inputs";
    case TaskStatus::queued:
      return "queued";
    case TaskStatus::dispatched:
      return "dispatched";
    case TaskStatus::running:
      return "running";
    case TaskStatus::finished:
      break;
  }
  return "finished";
}

std::string_view to_string(ObjectStatus status) noexcept {
  switch (status) {
    case ObjectStatus::pending:
      return "pending";
    case ObjectStatus::ready:
      return "ready";
    case ObjectStatus::failed:
      break;
  }
  return "failed";
}

std::string_view to_string(ActorStatus status) noexcept {
  switch (status) {
    case ActorStatus::creating:
      return "creating";
    case ActorStatus::alive:
      return "alive";
    case ActorStatus::restarting:
      return "restarting";
    case ActorStatus::dead:
      break;
  }
  return "dead";
}

namespace detail {
namespace {

TaskStatus status_of(TaskStage stage) noexcept {
  switch (stage) {
    case TaskStage::waiting_for_inputs:
      return TaskStatus::waiting_for_inputs;
    case TaskStage::queued:
      return TaskStatus::queued;
    case TaskStage::dispatched:
      return TaskStatus::dispatched;
    case TaskStage::running:
      return TaskStatus::running;
    case TaskStage::finished:
      break;
  }
  return TaskStatus::finished;
}

std::string demangled(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type.name());
}

}  // namespace

void RuntimeCore::start_observing() {
  if (!config_.timeline_path.empty()) record_timeline(config_.timeline_path);
  if (config_.progress) {
    progress_ = std::make_unique<ProgressReporter>([this] { return counters(); }, [](const std::string& line) {
      std::fprintf(stderr, "%s\n", line.c_str());
    });
  }
}

void RuntimeCore::record_timeline(std::string path) {
  timeline_.record_to(std::move(path));
  buffers_->counters().observer.store(&timeline_, std::memory_order_release);
}

void RuntimeCore::finish_observing() noexcept {
  buffers_->counters().observer.store(nullptr, std::memory_order_release);  // buffers may outlive the timeline
  timeline_.write_at_shutdown();
}

void RuntimeCore::note_gpu_run(Task& task, bool failed) noexcept {
  const TaskDeviceState* device = state_of(task).device_if_any();
  if (!device || !device->timing.stamp_start || !state_of(task).body_started || device->gpu_ids.empty()) return;
  timeline_.gpu_task_done(task, device->gpu_ids.front(), device->timing.started_at, failed);
}

std::vector<TaskPtr> RuntimeCore::live_tasks() const {
  // Every submitted task's result is registered in the store and links to its task while pending: the pending
  // objects lead to the live tasks, so tasks need no registry of their own (nothing more per task on the hot path).
  // The entries are held under the registry's shard locks (never an entry's lock there: completing an entry may
  // free others, which takes a shard lock under the entry's), their producers taken after.
  std::vector<ObjectEntry*> pending;
  accounting().listed.for_each([&](const ObjectEntry& entry) {
    auto& held = const_cast<ObjectEntry&>(entry);
    if (entry.state() == ObjectState::pending && held.try_retain_internal()) pending.push_back(&held);
  });
  std::vector<TaskPtr> tasks;
  tasks.reserve(pending.size());
  for (ObjectEntry* entry : pending) {
    if (Task* producer = entry->acquire_producer()) {
      TaskPtr task = TaskPtr::adopt(producer);
      if (task->result.get() == entry && state_of(*task).core == this) tasks.push_back(std::move(task));
    }
    entry->release_internal();
  }
  return tasks;
}

RuntimeCounters RuntimeCore::counters() const {
  RuntimeCounters counters;
  counters.tasks_submitted = submitted_.load(std::memory_order_relaxed);
  const auto live = static_cast<std::uint64_t>(std::max<std::int64_t>(live_tasks_.load(std::memory_order_relaxed), 0));
  counters.tasks_finished = counters.tasks_submitted - std::min(live, counters.tasks_submitted);
  counters.tasks_failed = failed_.load(std::memory_order_relaxed);
  for (const TaskPtr& task : live_tasks()) {
    switch (state_of(*task).stage.load(std::memory_order_acquire)) {
      case TaskStage::waiting_for_inputs:
        ++counters.tasks_waiting;
        break;
      case TaskStage::queued:
        ++counters.tasks_queued;
        break;
      case TaskStage::dispatched:
        ++counters.tasks_dispatched;
        break;
      case TaskStage::running:
        ++counters.tasks_running;
        break;
      case TaskStage::finished:
        break;
    }
  }
  counters.retries = retries();
  counters.actor_restarts = actor_restarts();
  const StoreAccounting& store = accounting();
  counters.store.objects = store.objects();
  counters.store.bytes = store.bytes.load(std::memory_order_relaxed);
  buffers_->fill_stats(counters.store);
  store.budget->fill_stats(counters.store);
  return counters;
}

std::vector<TaskInfo> RuntimeCore::list_tasks() const {
  std::vector<TaskPtr> live = live_tasks();
  std::vector<TaskInfo> tasks;
  tasks.reserve(live.size());
  for (const TaskPtr& task : live) {
    const TaskStage stage = state_of(*task).stage.load(std::memory_order_acquire);
    if (stage == TaskStage::finished) continue;
    TaskInfo info;
    info.name = task->name;
    info.kind = kind_name(task->role);
    info.status = status_of(stage);
    info.result_id = task->result->id();
    if (task->role != TaskRole::actor_call) {  // a call's demand is its actor's, set under the actor's lock
      auto [demand, bodies] = scheduler_.demand_of(*task);
      info.demand = demand_by_name(demand);
      if (task->gpu_body_demand()) info.variant = bodies > 1 ? "either" : demand.gpu > 0 ? "gpu" : "cpu";
    }
    tasks.push_back(std::move(info));
  }
  std::sort(tasks.begin(), tasks.end(), [](const TaskInfo& a, const TaskInfo& b) { return a.result_id < b.result_id; });
  return tasks;
}

namespace {

/// Whether a ready object's value, or a Buffer's host copy, is on disk now.
bool spilled(const ObjectEntry& entry, const HostBudget& budget) {
  if (entry.budget_kind() == BudgetKind::not_counted) {  // a Buffer: its replicas are its own
    BufferData* data = static_cast<const BufferEntry&>(entry).data();
    return data && data->host_spilled();
  }
  return entry.spill_slot() && budget.spilled(*entry.spill_slot());
}

}  // namespace

std::vector<ObjectInfo> RuntimeCore::list_objects() const {
  std::vector<ObjectInfo> objects;
  accounting().listed.for_each([&](const ObjectEntry& entry) {
    ObjectInfo info;
    info.id = entry.id();
    const ObjectState state = entry.state();  // acquire: a ready object's size is visible
    info.status = state == ObjectState::pending ? ObjectStatus::pending
                  : state == ObjectState::ready ? ObjectStatus::ready
                                                : ObjectStatus::failed;
    if (state == ObjectState::ready) info.bytes = entry.size_bytes();
    info.refs = entry.user_refs();
    if (state == ObjectState::ready) info.spilled = spilled(entry, *accounting().budget);
    objects.push_back(info);
  });
  std::sort(objects.begin(), objects.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.id < b.id; });
  return objects;
}

std::vector<ActorInfo> RuntimeCore::list_actors() {
  std::vector<ActorRef> known;
  {
    std::lock_guard lock(actors_mutex_);
    for (const auto& [id, actor] : actors_) {
      if (actor->try_retain()) known.push_back(ActorRef::adopt(actor));
    }
  }
  std::vector<ActorInfo> actors;
  actors.reserve(known.size());
  for (const ActorRef& actor : known) {
    const ActorState::Snapshot now = actor->snapshot();
    actors.push_back({actor->display_name(), demangled(actor->type()), actor->id(), now.status, now.pending_calls,
                      now.running_calls, now.restarts});
  }
  return actors;
}

}  // namespace detail

void Runtime::timeline(const std::string& path) {
  if (path.empty()) {
    throw UsageError("rt.timeline(path) was given an empty path; give the file the trace goes to, like "
                     "\"trace.json\" (it is written when the Runtime shuts down)");
  }
  core_->record_timeline(path);
}

RuntimeCounters Runtime::counters() const { return core_->counters(); }

std::vector<TaskInfo> Runtime::list_tasks() const { return core_->list_tasks(); }

std::vector<ObjectInfo> Runtime::list_objects() const { return core_->list_objects(); }

std::vector<ActorInfo> Runtime::list_actors() const { return core_->list_actors(); }

std::string Runtime::summary() const {
  const RuntimeCounters c = counters();
  const StoreStats& s = c.store;
  auto count = [](std::uint64_t n) { return std::to_string(n); };
  auto bytes = [](std::uint64_t n) { return detail::human_bytes(n); };
  auto copied = [&](std::uint64_t n, double seconds) {  // with the time the copying threads waited for them
    if (!(seconds > 0)) return bytes(n);
    char time[32];
    std::snprintf(time, sizeof time, " in %.1f ms", seconds * 1e3);
    return bytes(n) + time;
  };
  auto row = [](const char* label, const std::string& text) {
    char head[24];
    std::snprintf(head, sizeof head, "  %-12s", label);
    return std::string(head) + text + "\n";
  };
  std::string table = "hetsched summary\n";
  table += row("tasks", "submitted " + count(c.tasks_submitted) + ", finished " + count(c.tasks_finished) +
                            ", failed " + count(c.tasks_failed) + ", retries " + count(c.retries));
  table += row("live tasks", "waiting " + count(c.tasks_waiting) + ", queued " + count(c.tasks_queued) +
                                 ", dispatched " + count(c.tasks_dispatched) + ", running " +
                                 count(c.tasks_running));
  table += row("objects", count(s.objects) + " alive, " + bytes(s.bytes));
  table += row("transfers", "host->device " + copied(s.bytes_host_to_device, s.copy_seconds_host_to_device) +
                                ", device->host " + copied(s.bytes_device_to_host, s.copy_seconds_device_to_host) +
                                ", device->device " +
                                copied(s.bytes_device_to_device, s.copy_seconds_device_to_device));
  table += row("gpu memory", "evictions " + count(s.evictions) + ", write-backs " + count(s.write_backs));
  for (std::size_t d = 0; d < s.device_bytes.size(); ++d) {
    table += row(("  GPU " + std::to_string(d)).c_str(),
                 bytes(s.device_bytes[d]) + " of " + bytes(d < s.device_capacity.size() ? s.device_capacity[d] : 0));
  }
  table += row("host memory", bytes(s.host_bytes) + " of " + bytes(s.host_budget) + " budget");
  table += row("spilling", "spills " + count(s.spills) + " (" + bytes(s.bytes_spilled) + "), restores " +
                               count(s.restores) + " (" + bytes(s.bytes_restored) + "), on disk " +
                               bytes(s.spilled_bytes) + ", lost " + count(s.lost_objects));
  const auto total = total_resources();
  const auto free = available_resources();
  std::string resources;
  for (const auto& [name, quantity] : total) {
    char text[96];
    const auto it = free.find(name);
    std::snprintf(text, sizeof text, "%s%s %g of %g free", resources.empty() ? "" : ", ", name.c_str(),
                  it == free.end() ? 0.0 : it->second, quantity);
    resources += text;
  }
  table += row("resources", resources);
  return table;
}

}  // namespace hetsched
