/// @file task_builder.hpp
/// @brief TaskBuilder: `rt.task(f).cpus(2).gpus(0.5).resource("Custom", 1).name("f").remote(args...)`.
#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "hetsched/detail/bound_task.hpp"
#include "hetsched/detail/core_api.hpp"
#include "hetsched/detail/resource_demand.hpp"
#include "hetsched/error.hpp"
#include "hetsched/object_ref.hpp"

namespace hetsched {

/// Describes a task (callable, demand, name) and submits it with remote(). Made by Runtime::task; reusable: each
/// remote() submits one more task. Quantities are checked when set (ResourceError), feasibility at remote().
/// Not thread-safe (a builder belongs to one thread); the tasks it submits run anywhere.
template <class F>
class TaskBuilder {
 public:
  /// Made by Runtime::task. Not API.
  TaskBuilder(detail::RuntimeCore& core, F fn) : core_(&core), fn_(std::move(fn)) {}

  /// CPUs the task holds while it runs (default 1; 0 allowed). Its tbb::this_task_arena::max_concurrency() is
  /// ceil(n), at least 1.
  TaskBuilder& cpus(double n) {
    demand_.cpu = detail::to_units("CPU", n);
    return *this;
  }
  /// GPUs: 0 < n < 1 shares one device (best fit), a whole n takes n distinct devices.
  TaskBuilder& gpus(double n) {
    demand_.gpu = detail::to_units("GPU", n);
    return *this;
  }
  /// A custom resource named in Config::resources.
  TaskBuilder& resource(std::string name, double quantity) {
    demand_.set_custom(std::move(name), detail::to_units("custom resource", quantity));
    return *this;
  }
  /// The name shown in errors (TaskError::task_name) and traces.
  TaskBuilder& name(std::string task_name) {
    name_ = std::move(task_name);
    return *this;
  }

  /// Submits one task with these arguments and returns a ref to its future result. ObjectRef arguments are waited
  /// for and passed as `const T&`; other arguments are moved (rvalues) or copied (lvalues) into the task.
  /// Throws ResourceError when the demand can never be met, UsageError for an empty ObjectRef argument.
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
  template <class G, class... Args>
  auto submit(G&& fn, Args&&... args) const {
    static_assert(detail::callable_with<F, std::decay_t<Args>...>,
                  "hetsched: the task's callable cannot be called with these arguments (an ObjectRef<T> argument "
                  "reaches it as const T&, a value as an rvalue, and a TaskContext& may come first)");
    using Result = detail::task_result_t<F, std::decay_t<Args>...>;
    using Bound = detail::BoundTask<F, Result, std::decay_t<Args>...>;
    std::vector<detail::ObjectEntry*> inputs;  // taken before the arguments are moved into the task
    (add_input(inputs, args), ...);
    detail::TaskPtr task(new Bound(std::forward<G>(fn), std::forward<Args>(args)...));
    task->name = name_;
    task->demand = demand_;
    task->inputs = std::move(inputs);
    auto* out = new detail::TypedObject<detail::Stored<Result>>();
    ObjectRef<Result> ref(out);
    task->result = detail::EntryHold(out);
    detail::submit_task(*core_, std::move(task));
    return ref;
  }

  template <class A>
  static void add_input(std::vector<detail::ObjectEntry*>& inputs, const A& arg) {
    if constexpr (detail::is_object_ref<std::decay_t<A>>) {
      if (!arg.valid()) detail::throw_empty_ref("a task argument");
      inputs.push_back(arg.entry());
    }
  }

  detail::RuntimeCore* core_;
  F fn_;
  detail::ResourceDemand demand_;
  std::string name_ = "task";
};

}  // namespace hetsched
