#include "scheduler/scheduler.hpp"
#include "task/task_state.hpp"

#include <algorithm>

namespace hetsched::detail {

Scheduler::Scheduler(ResourceLedger ledger, std::unique_ptr<Policy> policy, std::uint32_t max_bypass,
                     Dispatcher& dispatcher)
    : ledger_(std::move(ledger)), policy_(std::move(policy)), max_bypass_(max_bypass), dispatcher_(dispatcher) {}

std::uint32_t Scheduler::class_of(const ResourceDemand& demand) {
  for (std::size_t i = 0; i < classes_.size(); ++i) {
    if (classes_[i].demand == demand) return static_cast<std::uint32_t>(i);
  }
  classes_.push_back({demand, {}});
  return static_cast<std::uint32_t>(classes_.size() - 1);
}

void Scheduler::enqueue(TaskPtr task) {
  if (ResourceLedger::cpu_only(task->demand) && queued_.load(std::memory_order_seq_cst) == 0 &&
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
    if (queued_.load(std::memory_order_relaxed) == 0 && ledger_.try_acquire(*task, *policy_)) {
      state_of(*task).stage.store(TaskStage::dispatched, std::memory_order_release);
    } else {
      state_of(*task).stage.store(TaskStage::queued, std::memory_order_relaxed);
      classes_[class_of(task->demand)].tasks.push_back(std::move(task));
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
  if (!state_of(task).holds_resources) return;
  if (ResourceLedger::cpu_only(task.demand)) {
    ledger_.give_back(task);
    dispatch_queued();
    return;
  }
  StartedTasks started;
  {
    std::lock_guard lock(mutex_);
    ledger_.give_back(task);
    if (queued_.load(std::memory_order_relaxed) > 0) dispatch_ready(started);
  }
  started.send_to(dispatcher_);
}

void Scheduler::body_returned(Task& task) {
  if (ledger_.return_cpus(task)) dispatch_queued();
}

void Scheduler::lend_cpus(const Task& task) {
  ledger_.lend_cpus(task);
  dispatch_queued();
}

void Scheduler::reclaim_cpus(const Task& task) { ledger_.reclaim_cpus(task); }

bool Scheduler::hand_cpus_to(const Task& waiting, Task& producer) {
  if (!ResourceLedger::cpu_only(producer.demand) || producer.demand.cpu > waiting.demand.cpu) return false;
  std::lock_guard lock(mutex_);
  if (state_of(producer).stage.load(std::memory_order_relaxed) != TaskStage::queued) return false;
  for (auto& queue : classes_) {
    if (!(queue.demand == producer.demand)) continue;
    // The awaited task was most likely submitted last: search from the back.
    auto it = std::find_if(queue.tasks.rbegin(), queue.tasks.rend(),
                           [&](const TaskPtr& queued) { return queued.get() == &producer; });
    if (it == queue.tasks.rend()) return false;
    // The waiting task's CPUs pass to the producer whatever else is free (the ledger may be oversubscribed by loans).
    ledger_.lend_cpus(waiting);
    ledger_.reclaim_cpus(producer);
    state_of(producer).holds_resources = true;
    state_of(producer).stage.store(TaskStage::running, std::memory_order_release);
    TaskPtr hold = std::move(*it);  // the caller holds the producer too: it outlives this reference
    queue.tasks.erase(std::next(it).base());
    queued_.fetch_sub(1, std::memory_order_seq_cst);
    return true;
  }
  return false;
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
    order.clear();
    for (auto& queue : classes_) {
      if (!queue.tasks.empty()) order.push_back(&queue);
    }
    std::sort(order.begin(), order.end(), [](const ClassQueue* a, const ClassQueue* b) {
      return state_of(*a->tasks.front()).sequence < state_of(*b->tasks.front()).sequence;
    });
    bool started_one = false;
    for (ClassQueue* queue : order) {
      Task& head = *queue->tasks.front();
      if (!ledger_.try_acquire(head, *policy_)) {
        if (state_of(head).bypassed >= max_bypass_) break;  // reserved: nothing younger starts until it fits
        continue;
      }
      state_of(head).stage.store(TaskStage::dispatched, std::memory_order_release);
      count_bypass(state_of(head).sequence);
      started.push(std::move(queue->tasks.front()));
      queue->tasks.pop_front();
      queued_.fetch_sub(1, std::memory_order_seq_cst);
      started_one = true;
      break;  // heads changed: recompute the order
    }
    if (!started_one) return;
  }
}

void Scheduler::count_bypass(std::uint64_t started_sequence) {
  for (auto& queue : classes_) {
    if (queue.tasks.empty()) continue;
    TaskState& head = state_of(*queue.tasks.front());
    if (head.sequence < started_sequence) ++head.bypassed;
  }
}

std::vector<TaskPtr> Scheduler::take_all_queued() {
  std::lock_guard lock(mutex_);
  std::vector<TaskPtr> drained;
  for (auto& queue : classes_) {
    for (auto& task : queue.tasks) drained.push_back(std::move(task));
    queue.tasks.clear();
  }
  queued_.store(0, std::memory_order_seq_cst);
  return drained;
}

std::map<std::string, double> Scheduler::totals() const {
  std::lock_guard lock(mutex_);
  return ledger_.totals();
}

std::map<std::string, double> Scheduler::available() const {
  std::lock_guard lock(mutex_);
  return ledger_.available();
}

}  // namespace hetsched::detail
