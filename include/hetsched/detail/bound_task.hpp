/// @file detail/bound_task.hpp
/// @brief BoundTask: a Task that owns the user's callable and arguments and knows their types. Not API.
#pragma once

#include <array>
#include <concepts>
#include <functional>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

#include "hetsched/buffer.hpp"
#include "hetsched/detail/task.hpp"
#include "hetsched/object_ref.hpp"
#include "hetsched/task_context.hpp"
#include "hetsched/variants.hpp"

namespace hetsched::detail {

/// True for ObjectRef<U>.
template <class A>
inline constexpr bool is_object_ref = false;
template <class U>
inline constexpr bool is_object_ref<ObjectRef<U>> = true;

/// How a stored argument reaches the callable: an ObjectRef<U> as `const U&` (zero-copy), a buffer access as a span
/// over the replica on the task's device, a value as an rvalue.
template <class A>
struct ResolvedArg {
  using type = A&&;
};
template <class U>
struct ResolvedArg<ObjectRef<U>> {
  using type = const Stored<U>&;
};
template <class U, Access M>
struct ResolvedArg<BufferAccess<U, M>> {
  using type = typename BufferAccess<U, M>::span_type;
};
/// The parameter type the callable receives for a stored argument of type A.
template <class A>
using resolved_arg_t = typename ResolvedArg<A>::type;

/// Passes one stored argument on to the callable.
template <class A>
decltype(auto) resolve(A& stored) noexcept {
  if constexpr (is_object_ref<A>) {
    return static_cast<resolved_arg_t<A>>(CoreAccess::entry(stored)->value());
  } else if constexpr (is_buffer_access<A>) {
    return CoreAccess::span(stored);
  } else {
    return std::move(stored);
  }
}

/// Same, for a run that may be retried: a value argument is passed as a fresh copy, so the stored one stays intact for
/// the next run (the last run, with no retry left, moves it as resolve does).
template <class A>
decltype(auto) resolve_keeping(A& stored) {
  if constexpr (is_object_ref<A> || is_buffer_access<A>) {
    return resolve(stored);
  } else {
    return A(stored);
  }
}

/// A container whose elements are trivially copyable and lie in one block (std::vector<double>, std::string, ...).
template <class A>
concept contiguous_trivial_values = requires(const A& values) {
  { values.data() } -> std::same_as<const typename A::value_type*>;
  { values.size() } -> std::convertible_to<std::size_t>;
} && std::is_trivially_copyable_v<typename A::value_type>;

/// The bytes of a stored value argument held in one block (a trivially copyable object, or a contiguous container of
/// trivially copyable elements); empty for refs, buffer accesses and other types.
template <class A>
std::span<const std::byte> value_bytes(const A& stored) noexcept {
  if constexpr (is_object_ref<A> || is_buffer_access<A>) {
    return {};
  } else if constexpr (contiguous_trivial_values<A>) {
    return {reinterpret_cast<const std::byte*>(stored.data()), stored.size() * sizeof(typename A::value_type)};
  } else if constexpr (std::is_trivially_copyable_v<A>) {
    return {reinterpret_cast<const std::byte*>(&stored), sizeof(A)};
  } else {
    return {};
  }
}

/// True when every stored argument survives a retried run: a move-only value cannot be passed twice.
template <class... A>
inline constexpr bool arguments_retryable = ((is_object_ref<A> || is_buffer_access<A> ||
                                               std::is_copy_constructible_v<A>) && ... && true);

/// True when some stored argument is a value (what resolve_keeping copies).
template <class... A>
inline constexpr bool has_value_argument = (!(is_object_ref<A> || is_buffer_access<A>) || ... || false);

/// True when the callable takes TaskContext& before its arguments.
template <class F, class... A>
inline constexpr bool takes_context = std::is_invocable_v<F&, TaskContext&, resolved_arg_t<A>...>;

/// True when the callable can be called with these stored arguments, with or without a context.
template <class F, class... A>
inline constexpr bool callable_with =
    takes_context<F, A...> || std::is_invocable_v<F&, resolved_arg_t<A>...>;
/// For variants(): when both bodies can.
template <class C, class G, class... A>
inline constexpr bool callable_with<Variants<C, G>, A...> = callable_with<C, A...> && callable_with<G, A...>;

template <class F, class... A>
struct TaskResult {
  using type = std::invoke_result_t<F&, resolved_arg_t<A>...>;
};
template <class F, class... A>
  requires takes_context<F, A...>
struct TaskResult<F, A...> {
  using type = std::invoke_result_t<F&, TaskContext&, resolved_arg_t<A>...>;
};
template <class C, class G, class... A>
struct TaskResult<Variants<C, G>, A...> {
  using type = typename TaskResult<C, A...>::type;  // bind_task checks that the GPU body's is the same
};
/// What the task's ObjectRef holds: the callable's return type without reference or cv qualifiers.
template <class F, class... A>
using task_result_t = std::remove_cvref_t<typename TaskResult<F, A...>::type>;

/// Room for N elements inside a task, taking none when N is 0 (an empty std::array still takes a byte, and its
/// alignment's worth of padding).
template <class T, std::size_t N>
struct InlineList {
  T items[N]{};  ///< The elements.
  /// All of them.
  std::span<T> view() noexcept { return items; }
  /// One of them.
  T& operator[](std::size_t index) noexcept { return items[index]; }
};
template <class T>
struct InlineList<T, 0> {
  std::span<T> view() noexcept { return {}; }
};

/// A task whose callable and arguments are stored by value.
template <class F, class R, class... A>
class BoundTask final : public Task {
 public:
  /// Stores the callable and the arguments (moved when given as rvalues), and lists the buffers they declare.
  template <class G, class... B>
  explicit BoundTask(G&& fn, B&&... args) : fn_(std::forward<G>(fn)), args_(std::forward<B>(args)...) {
    std::apply([this](A&... stored) {
      [[maybe_unused]] std::size_t next_input = 0;
      [[maybe_unused]] std::size_t next_buffer = 0;
      (declare_input(stored, next_input), ...);
      (declare_buffer_use(stored, next_buffer), ...);
    }, args_);
    static_assert(input_count <= 0xffff, "hetsched: too many ObjectRef arguments for one task");
    set_arguments(input_storage_.view(), buffer_storage_.view());
  }

  std::size_t invoke(TaskContext& context) override {
    if constexpr (is_variants<F>) {
      return context.variant() == Variant::gpu ? run(fn_.gpu, context) : run(fn_.cpu, context);
    } else {
      return run(fn_, context);
    }
  }

  std::span<const std::byte> largest_value_argument() const noexcept override {
    std::span<const std::byte> largest;
    std::apply([&](const A&... stored) {
      ((largest = value_bytes(stored).size() > largest.size() ? value_bytes(stored) : largest), ...);
    }, args_);
    return largest;
  }

  /// For variants(): where the templates put the GPU body's demand (the Task's `demand` is the CPU body's).
  ResourceDemand* gpu_body_demand() noexcept override {
    if constexpr (is_variants<F>) {
      return &gpu_demand_;
    } else {
      return nullptr;
    }
  }

 private:
  /// Calls `body` with the resolved arguments and stores its result.
  template <class Body>
  std::size_t run(Body& body, TaskContext& context) {
    if constexpr (arguments_retryable<A...> && has_value_argument<A...>) {
      if (retries_left > 0) return run_with(body, context, [](auto& stored) -> decltype(auto) {
        return resolve_keeping(stored);
      });
    }
    return run_with(body, context, [](auto& stored) -> decltype(auto) { return resolve(stored); });
  }

  /// Calls `body` with each stored argument passed through `pass` and stores its result.
  template <class Body, class Pass>
  std::size_t run_with(Body& body, TaskContext& context, Pass pass) {
    auto& out = static_cast<TypedObject<Stored<R>>&>(*result.get());
    auto call = [&](A&... stored) -> decltype(auto) {
      if constexpr (takes_context<Body, A...>) {
        return std::invoke(body, context, pass(stored)...);
      } else {
        return std::invoke(body, pass(stored)...);
      }
    };
    if constexpr (std::is_void_v<R>) {
      std::apply(call, args_);
      out.emplace();
    } else {
      out.emplace(std::apply(call, args_));
    }
    return object_size(out.value());
  }

  template <class Arg>
  void declare_buffer_use(Arg& stored, std::size_t& next) noexcept {
    if constexpr (is_buffer_access<Arg>) buffer_storage_[next++] = {CoreAccess::entry(stored.ref()), Arg::mode,
                                                            &CoreAccess::binding(stored)};
  }

  template <class Arg>
  void declare_input(Arg& stored, std::size_t& next) noexcept {
    if constexpr (is_object_ref<Arg>) {
      input_storage_[next++] = CoreAccess::entry(stored);
    } else if constexpr (is_buffer_access<Arg>) {
      input_storage_[next++] = CoreAccess::entry(stored.ref());
    }
  }

  static constexpr std::size_t input_count = ((is_object_ref<A> || is_buffer_access<A> ? 1 : 0) + ... + 0);
  static constexpr std::size_t buffer_count = ((is_buffer_access<A> ? 1 : 0) + ... + 0);

  /// Nothing, for a task with one body.
  struct NoDemand {};

  [[no_unique_address]] F fn_;
  std::tuple<A...> args_;
  [[no_unique_address]] std::conditional_t<is_variants<F>, ResourceDemand, NoDemand> gpu_demand_;
  // What `inputs` and `buffers` view: no allocation per task, and no room taken when there are none.
  [[no_unique_address]] InlineList<ObjectEntry*, input_count> input_storage_;
  [[no_unique_address]] InlineList<BufferUse, buffer_count> buffer_storage_;
};

}  // namespace hetsched::detail
