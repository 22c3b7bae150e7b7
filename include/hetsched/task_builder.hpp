/// @file task_builder.hpp
/// @brief TaskBuilder: `rt.task(f).cpus(2).gpus(0.5).resource("Custom", 1).name("f").remote(args...)`; with
/// `rt.task(hetsched::variants(cpu_fn, gpu_fn))` cpus() is the CPU body's demand and gpus() the GPU body's.
#pragma once

#include <string>
#include <utility>

#include "hetsched/detail/bind_task.hpp"
#include "hetsched/detail/core_api.hpp"
#include "hetsched/detail/demand_builder.hpp"

namespace hetsched {

/// Describes a task (callable, demand, name) and submits it with remote(). Made by Runtime::task; reusable: each
/// remote() submits one more task. Quantities are checked when set (ResourceError), feasibility at remote().
/// Not thread-safe (a builder belongs to one thread); the tasks it submits run anywhere. Runtime::cancel(ref) cancels
/// one of them.
template <class F>
class TaskBuilder : public detail::DemandBuilder<TaskBuilder<F>> {
 public:
  /// The name shown in errors (TaskError::task_name) and traces.
  TaskBuilder& name(std::string task_name) & {
    name_ = std::move(task_name);
    return *this;
  }
  /// name() on a temporary builder.
  TaskBuilder&& name(std::string task_name) && { return std::move(name(std::move(task_name))); }

  /// Among ready tasks (inputs done, waiting for resources), a higher priority starts first (default 0; StarPU's
  /// priorities): of two tasks that both fit, the higher one goes, and equal ones go in submission order.
  TaskBuilder& priority(int level) & {
    priority_ = level;
    return *this;
  }
  /// priority() on a temporary builder.
  TaskBuilder&& priority(int level) && { return std::move(priority(level)); }

  /// Runs the task again, up to `retries` more times, when it fails for a system reason: a DeviceError (CudaError
  /// included) or ObjectStoreFullError, or a failure before its body ran (default 0; Ray's default is 3, but here a
  /// retry costs a copy of every value argument, so it is opt-in). Its result is the first run that succeeds, or the
  /// last failure. Not retried: a failed input, a cancelled task, a body that had read_write access to a buffer it may
  /// have changed. UsageError for a negative count, or at remote() for a move-only argument (it cannot be passed
  /// twice).
  TaskBuilder& max_retries(int retries) & {
    detail::check_retry_count(retries);
    retries_ = retries;
    return *this;
  }
  /// max_retries() on a temporary builder.
  TaskBuilder&& max_retries(int retries) && { return std::move(max_retries(retries)); }

  /// With true, max_retries also covers exceptions the body throws (Ray's retry_exceptions).
  TaskBuilder& retry_exceptions(bool retry) & {
    retry_exceptions_ = retry;
    return *this;
  }
  /// retry_exceptions() on a temporary builder.
  TaskBuilder&& retry_exceptions(bool retry) && { return std::move(retry_exceptions(retry)); }

  /// Submits one task with these arguments and returns a ref to its future result. ObjectRef arguments are waited
  /// for and passed as `const T&`; other arguments are moved (rvalues) or copied (lvalues) into the task.
  /// Throws ResourceError when the demand can never be met, UsageError for an empty ObjectRef argument or an unknown
  /// policy().
  template <class... Args>
  auto remote(Args&&... args) const& {
    return submit(fn_, std::forward<Args>(args)...);
  }
  /// Same, moving the callable into the task (for move-only callables and one-shot builders).
  template <class... Args>
  auto remote(Args&&... args) && {
    return submit(std::move(fn_), std::forward<Args>(args)...);
  }

 private:
  friend struct detail::CoreAccess;
  TaskBuilder(detail::RuntimeCore& core, F fn) : core_(&core), fn_(std::move(fn)) {}

  template <class G, class... Args>
  auto submit(G&& fn, Args&&... args) const {
    auto bound = detail::bind_task<F>(std::forward<G>(fn), std::forward<Args>(args)...);
    bound.task->name = name_;
    bound.task->demand = this->demand_;
    if constexpr (detail::is_variants<F>) split_demand(*bound.task);
    bound.task->priority = priority_;
    if (retries_ > 0) {
      if constexpr (!detail::arguments_retryable<std::decay_t<Args>...>) detail::throw_move_only_retry(name_);
      bound.task->retries_left = retries_;
      bound.task->retry_exceptions = retry_exceptions_;
    }
    if (!this->policy_.empty()) bound.task->policy = detail::placement_policy_index(*core_, this->policy_);
    detail::submit_task(*core_, std::move(bound.task));
    return std::move(bound.ref);
  }

  /// variants(): the CPU body holds the cpus() and custom resources asked for, the GPU body the gpus() (1 when not
  /// given), gpu_memory() and custom resources, and no CPU.
  void split_demand(detail::Task& task) const {
    detail::ResourceDemand& gpu_body = *task.gpu_body_demand();
    gpu_body = this->demand_;
    gpu_body.cpu = 0;
    if (gpu_body.gpu == 0) gpu_body.gpu = detail::units_per_resource;
    task.demand.gpu = 0;
    task.demand.gpu_memory = 0;
    task.bodies = 2;
  }

  detail::RuntimeCore* core_;
  F fn_;
  std::string name_ = "task";
  int priority_ = 0;
  int retries_ = 0;
  bool retry_exceptions_ = false;
};

}  // namespace hetsched
