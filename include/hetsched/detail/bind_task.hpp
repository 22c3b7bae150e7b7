/// @file detail/bind_task.hpp
/// @brief bind_task: erases a callable and its arguments into a Task with a fresh result object. Not API.
#pragma once

#include <type_traits>
#include <utility>
#include <vector>

#include "hetsched/detail/bound_task.hpp"
#include "hetsched/detail/core_api.hpp"
#include "hetsched/object_ref.hpp"

namespace hetsched::detail {

/// A task ready to be submitted, and the ref to its result.
template <class R>
struct BoundSubmission {
  TaskPtr task;       ///< Fill in name, demand and role, then submit_task.
  ObjectRef<R> ref;   ///< What remote() or call() returns.
};

/// Throws UsageError for an empty ObjectRef argument (or declared buffer); other arguments pass.
template <class A>
void check_input(const A& arg) {
  if constexpr (is_object_ref<std::decay_t<A>>) {
    if (!arg.valid()) throw_empty_ref("a task argument");
  } else if constexpr (is_buffer_access<std::decay_t<A>>) {
    check_input(arg.ref());
  }
}

/// hetsched's own diagnostics for variants(cpu_fn, gpu_fn) whose bodies do not match the arguments or each other.
template <class F, class... A>
constexpr void check_bodies() {
  using Cpu = decltype(std::declval<F&>().cpu);
  using Gpu = decltype(std::declval<F&>().gpu);
  static_assert(callable_with<Cpu, A...>,
                "hetsched: the CPU body of variants(cpu_fn, gpu_fn) cannot be called with these arguments; both "
                "bodies take the same arguments (an ObjectRef<T> reaches them as const T&, and a TaskContext& may "
                "come first)");
  static_assert(callable_with<Gpu, A...>,
                "hetsched: the GPU body of variants(cpu_fn, gpu_fn) cannot be called with these arguments; both "
                "bodies take the same arguments (an ObjectRef<T> reaches them as const T&, and a TaskContext& may "
                "come first)");
  if constexpr (callable_with<Cpu, A...> && callable_with<Gpu, A...>) {
    static_assert(std::is_same_v<task_result_t<Cpu, A...>, task_result_t<Gpu, A...>>,
                  "hetsched: the two bodies of variants(cpu_fn, gpu_fn) return different types; make them return "
                  "the same one");
  }
}

/// Stores `fn` and `args` in a new task whose output is a new object; ObjectRef arguments become its inputs.
template <class F, class G, class... Args>
auto bind_task(G&& fn, Args&&... args) {
  static_assert(!(is_buffer_ref<std::decay_t<Args>> || ...),
                "hetsched: a Buffer argument needs a declared access: pass hetsched::read(ref), hetsched::write(ref) "
                "or hetsched::read_write(ref), and take a std::span in the callable");
  if constexpr (is_variants<F>) check_bodies<F, std::decay_t<Args>...>();
  static_assert(callable_with<F, std::decay_t<Args>...>,
                "hetsched: the callable cannot be called with these arguments (an ObjectRef<T> argument reaches it "
                "as const T&, a value as an rvalue, and a TaskContext& may come first)");
  using Result = task_result_t<F, std::decay_t<Args>...>;
  (check_input(args), ...);  // before the arguments are moved into the task
  BoundSubmission<Result> bound{
      TaskPtr(new BoundTask<F, Result, std::decay_t<Args>...>(std::forward<G>(fn), std::forward<Args>(args)...)),
      ObjectRef<Result>()};
  auto* out = new TypedObject<Stored<Result>>();
  bound.ref = CoreAccess::adopt_ref<Result>(out);
  bound.task->result = EntryHold(out);
  return bound;
}

}  // namespace hetsched::detail
