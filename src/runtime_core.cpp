#include "runtime_core.hpp"

#include <cxxabi.h>

#include <typeinfo>

#include "hetsched/error.hpp"
#include "hetsched/task_context.hpp"

namespace hetsched::detail {
namespace {

std::atomic<std::uint64_t> next_object_id{1};

struct CurrentTask {
  const RuntimeCore* core = nullptr;
  Task* task = nullptr;
};
thread_local CurrentTask current_on_this_thread;

/// Marks this thread as running `task` of `core` for the scope's life (nesting restores the outer one).
class CurrentTaskScope {
 public:
  CurrentTaskScope(const RuntimeCore* core, Task* task) noexcept : saved_(current_on_this_thread) {
    current_on_this_thread = {core, task};
  }
  ~CurrentTaskScope() { current_on_this_thread = saved_; }
  CurrentTaskScope(const CurrentTaskScope&) = delete;
  CurrentTaskScope& operator=(const CurrentTaskScope&) = delete;

 private:
  CurrentTask saved_;
};

/// Describes whatever is being thrown now, including non-std types (by their demangled type name).
std::string describe_current_exception() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    const std::type_info* type = abi::__cxa_current_exception_type();
    if (!type) return "an exception of unknown type";
    int status = 0;
    char* demangled = abi::__cxa_demangle(type->name(), nullptr, nullptr, &status);
    std::string name = status == 0 && demangled ? demangled : type->name();
    std::free(demangled);
    return "threw a value of type '" + name + "' (not derived from std::exception)";
  }
}

/// The failure to record for a task whose body threw: a TaskError (already one: kept, so the root cause survives).
std::exception_ptr as_task_failure(const Task& task) {
  try {
    throw;
  } catch (const TaskError&) {
    return std::current_exception();
  } catch (const TaskCancelledError&) {
    return std::current_exception();
  } catch (...) {
    return std::make_exception_ptr(TaskError(task.name, describe_current_exception(), std::current_exception()));
  }
}

}  // namespace

RuntimeCore::RuntimeCore(Runtime& owner, const Config& config)
    : owner_(owner),
      hardware_(detect_hardware()),
      config_(resolve_config(config, hardware_)),
      accounting_(std::make_shared<StoreAccounting>()),
      scheduler_(ResourceLedger(std::int64_t{config_.num_cpus} * units_per_resource, config_.num_gpus,
                                config_.custom_units),
                 make_pack_policy(), config_.max_bypass, executor_),
      executor_(config_.num_cpus, *this) {}

RuntimeCore::~RuntimeCore() {
  shutting_down_.store(true, std::memory_order_seq_cst);
  for (TaskPtr& task : scheduler_.drain()) {
    task->stage.store(TaskStage::running, std::memory_order_relaxed);
    publish(*task, cancellation(*task), 0);
  }
  for (auto live = live_tasks_.load(); live != 0; live = live_tasks_.load()) live_tasks_.wait(live);
}

void RuntimeCore::register_object(ObjectEntry& entry) {
  entry.adopt(next_object_id.fetch_add(1, std::memory_order_relaxed), accounting_);
}

void RuntimeCore::publish_put(ObjectEntry& entry, std::size_t bytes) {
  register_object(entry);
  entry.mark_ready(bytes);
}

void RuntimeCore::submit(TaskPtr task) {
  scheduler_.check_feasible(task->demand);
  task->core = this;
  register_object(*task->result.get());
  task->result->set_producer(task.get());
  live_tasks_.fetch_add(1, std::memory_order_relaxed);
  if (shutting_down_.load(std::memory_order_acquire)) {
    publish(*task, cancellation(*task), 0);
    return;
  }
  // One extra count while registering, so inputs completing meanwhile cannot start the task early.
  task->unresolved_inputs.store(static_cast<int>(task->inputs.size()) + 1, std::memory_order_relaxed);
  Task* pending = task.detach();  // this reference is handed over by the last object_completed()
  for (ObjectEntry* input : pending->inputs) {
    if (!input->add_waiter(pending)) pending->unresolved_inputs.fetch_sub(1, std::memory_order_relaxed);
  }
  pending->object_completed();
}

void RuntimeCore::inputs_resolved(TaskPtr task) noexcept {
  bool input_failed = false;
  for (ObjectEntry* input : task->inputs) input_failed |= input->state() == ObjectState::failed;
  if (input_failed || shutting_down_.load(std::memory_order_acquire)) {
    // No resources needed to record a failure; the executor runs it off this (possibly deep) call stack.
    task->stage.store(TaskStage::dispatched, std::memory_order_release);
    executor_.dispatch(std::move(task));
    return;
  }
  scheduler_.enqueue(std::move(task));
}

void RuntimeCore::run_claimed(Task& task) noexcept {
  for (ObjectEntry* input : task.inputs) {
    if (input->state() == ObjectState::failed) return publish(task, input->error(), 0);
  }
  if (shutting_down_.load(std::memory_order_acquire)) return publish(task, cancellation(task), 0);
  CurrentTaskScope scope(this, &task);
  TaskContext context(owner_, task, nullptr);
  std::size_t bytes = 0;
  std::exception_ptr failure;
  try {
    bytes = task.invoke(context);
  } catch (...) {
    failure = as_task_failure(task);
  }
  publish(task, std::move(failure), bytes);
}

void RuntimeCore::publish(Task& task, std::exception_ptr failure, std::size_t bytes) noexcept {
  scheduler_.finished(task);  // resources return before anyone can observe the result
  task.stage.store(TaskStage::finished, std::memory_order_release);
  if (failure) {
    task.result->mark_failed(std::move(failure));
  } else {
    task.result->mark_ready(bytes);
  }
  if (live_tasks_.fetch_sub(1, std::memory_order_acq_rel) == 1) live_tasks_.notify_all();
}

std::exception_ptr RuntimeCore::cancellation(const Task& task) const {
  return std::make_exception_ptr(TaskCancelledError(
      "task '" + task.name + "' was cancelled: the Runtime shut down before it started"));
}

Task* RuntimeCore::current_task() const noexcept {
  return current_on_this_thread.core == this ? current_on_this_thread.task : nullptr;
}

void Task::object_completed() noexcept {
  if (unresolved_inputs.fetch_sub(1, std::memory_order_acq_rel) == 1) core->inputs_resolved(TaskPtr::adopt(this));
}

void submit_task(RuntimeCore& core, TaskPtr task) { core.submit(std::move(task)); }

void publish_put(RuntimeCore& core, ObjectEntry& entry, std::size_t bytes) { core.publish_put(entry, bytes); }

}  // namespace hetsched::detail
