/// @file runtime.hpp
/// @brief Runtime: submits tasks, stores objects, and answers get, wait and resource queries.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstring>
#include <span>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "hetsched/actor_builder.hpp"
#include "hetsched/actor_handle.hpp"
#include "hetsched/buffer.hpp"
#include "hetsched/config.hpp"
#include "hetsched/detail/core_api.hpp"
#include "hetsched/hardware.hpp"
#include "hetsched/introspection.hpp"
#include "hetsched/object_ref.hpp"
#include "hetsched/object_view.hpp"
#include "hetsched/store_stats.hpp"
#include "hetsched/task_builder.hpp"
#include "hetsched/wait_result.hpp"

namespace hetsched {


/// The runtime: one per program is the normal case. Every member function is thread-safe and may be called from
/// tasks (through TaskContext::runtime()).
///
/// get returns `const T&` for an lvalue ref (zero-copy, valid while any ref to the object lives) and `T` for an
/// rvalue ref (moved out when that ref was the object's only one, else copied). Waiting in get runs the awaited task
/// on the waiting thread when it has not started yet (a queued one gets the waiting task's CPUs); a get still blocked
/// after a millisecond inside a task gives the task's CPUs back and hands its thread's slot to a spare thread, so
/// nested tasks never deadlock, even with one CPU.
///
/// Spilling (Config::object_store_bytes): an object is spilled to disk only while nothing reads it, and restored
/// when read. A task pins its ObjectRef arguments while it runs; get(ref&&) and get(vector) pin while they copy or
/// move. get(const ref&) returns a reference into the store, so it keeps that object in memory for as long as the
/// object lives; get_view(ref) pins it only while the returned ObjectView lives.
///
/// Destruction cancels what has not started (its refs fail with TaskCancelledError), waits for running tasks, and
/// returns; refs may outlive the runtime and still read finished objects.
///
/// @code
///   hetsched::Runtime rt;
///   auto r = rt.task([](int x) { return x * 2; }).remote(21);
///   int v = rt.get(r);  // 42
/// @endcode
class Runtime {
 public:
  /// Detects the hardware and starts with every default.
  Runtime();
  /// Starts with `config` (HETSCHED_* environment variables override it unless config.read_environment is false).
  explicit Runtime(Config config);
  /// Cancels tasks that have not started, waits for running ones. Destroyed from inside one of its own tasks, it
  /// cannot wait for that task: the shutdown finishes on another thread once the task returns, and the task fails
  /// with a UsageError saying so.
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// Starts describing a task running `fn` (any callable: function, lambda, function object; may be move-only).
  template <class F>
  TaskBuilder<std::decay_t<F>> task(F&& fn) {
    return detail::CoreAccess::task_builder<std::decay_t<F>>(*core_, std::forward<F>(fn));
  }

  /// Starts describing an actor of type T (a class instance living in the runtime; see ActorBuilder).
  template <class T>
  ActorBuilder<T> actor() {
    return detail::CoreAccess::actor_builder<T>(*core_);
  }
  /// The live actor named `name`; UsageError when there is none or it is not a T.
  template <class T>
  ActorHandle<T> get_actor(const std::string& name) {
    return detail::CoreAccess::actor_handle<T>(detail::find_actor(*core_, name, typeid(T)));
  }

  /// Stores a value; an rvalue is moved in, never copied.
  template <class T>
  ObjectRef<std::decay_t<T>> put(T&& value) {
    using V = std::decay_t<T>;
    auto* entry = new detail::TypedObject<V>();
    ObjectRef<V> ref = detail::CoreAccess::adopt_ref<V>(entry);
    entry->emplace(std::forward<T>(value));
    detail::publish_put(*core_, *entry, detail::object_size(entry->value()));
    return ref;
  }

  /// Stores a copy of `values` as a Buffer (host memory, pinned where real GPUs exist). Tasks use it through
  /// hetsched::read / write / read_write.
  template <class T>
  ObjectRef<Buffer<std::remove_const_t<T>>> put_buffer(std::span<T> values) {
    using V = std::remove_const_t<T>;
    detail::BufferHandle made = detail::create_host_buffer(*core_, values.data(), values.size(), sizeof(V));
    return put(detail::CoreAccess::make_buffer<V>(std::move(made), nullptr, values.size()));
  }
  /// Stores a copy of a vector's elements as a Buffer.
  template <class T, class Allocator>
  ObjectRef<Buffer<T>> put_buffer(const std::vector<T, Allocator>& values) {
    return put_buffer(std::span<const T>(values));
  }

  /// Blocks until the object is ready and returns a const reference to it (no copy); rethrows a failure. For a
  /// Buffer<U>: a `std::span<const U>` over its host replica, after every task submitted earlier that writes it has
  /// finished (copied back from a GPU if needed); the view is valid while a ref lives and no later task writes it.
  template <class T>
  decltype(auto) get(const ObjectRef<T>& ref) {
    auto& entry = await(ref, true);
    return read(ref, entry, std::nullopt);
  }
  /// Blocks until the object is ready and returns a view of it that keeps it in host memory only while the view
  /// lives (get(ref) keeps it for the object's life); rethrows a failure, ObjectLostError when its spill file cannot be
  /// read back. Not for Buffers (their host view is get(ref)).
  template <class T>
  ObjectView<T> get_view(const ObjectRef<T>& ref) {
    static_assert(!detail::is_buffer<T> && !std::is_void_v<T>,
                  "hetsched: get_view is for values; get(ref) views a Buffer");
    await(ref, true);
    return detail::CoreAccess::make_view(ref);
  }
  /// Same as get(ref) for a temporary ref, returning the value: moved out when `ref` was its only reference. For a
  /// Buffer<U>: a std::vector<U> copied from its host view.
  template <class T>
  auto get(ObjectRef<T>&& ref) {
    await(ref, true);
    return take(std::move(ref), std::nullopt);
  }
  /// Like get(ref), throwing GetTimeoutError when the object is not ready within `timeout`.
  template <class T, class Rep, class Period>
  decltype(auto) get(const ObjectRef<T>& ref, std::chrono::duration<Rep, Period> timeout) {
    auto deadline = detail::Clock::now() + std::chrono::duration_cast<detail::Clock::duration>(timeout);
    auto& entry = await(ref, false, std::optional(timeout));
    return read(ref, entry, deadline);
  }
  /// Like get(ref&&), throwing GetTimeoutError when the object is not ready within `timeout`.
  template <class T, class Rep, class Period>
  auto get(ObjectRef<T>&& ref, std::chrono::duration<Rep, Period> timeout) {
    auto deadline = detail::Clock::now() + std::chrono::duration_cast<detail::Clock::duration>(timeout);
    await(ref, false, std::optional(timeout));
    return take(std::move(ref), deadline);
  }
  /// Blocks until every object is ready; returns copies of the values in order (rethrows the first failure).
  template <class T>
  auto get(const std::vector<ObjectRef<T>>& refs) {
    static_assert(!detail::is_buffer<T>, "hetsched: get buffers one at a time (rt.get(ref) gives a host view)");
    await_all(refs, std::nullopt);
    return collect(refs, false);
  }
  /// Same for a temporary vector: values are moved out of objects it held the only reference to.
  template <class T>
  auto get(std::vector<ObjectRef<T>>&& refs) {
    static_assert(!detail::is_buffer<T>, "hetsched: get buffers one at a time (rt.get(ref) gives a host view)");
    await_all(refs, std::nullopt);
    return collect(refs, true);
  }
  /// Like get(refs), throwing GetTimeoutError when not all are ready within `timeout`.
  template <class T, class Rep, class Period>
  auto get(const std::vector<ObjectRef<T>>& refs, std::chrono::duration<Rep, Period> timeout) {
    static_assert(!detail::is_buffer<T>, "hetsched: get buffers one at a time (rt.get(ref) gives a host view)");
    await_all(refs, std::chrono::duration_cast<detail::Clock::duration>(timeout));
    return collect(refs, false);
  }

  /// Returns once `num_returns` of `refs` are ready or `timeout` has passed: at most num_returns ready refs and the
  /// rest, each in input order. Throws UsageError when num_returns exceeds refs.size() or a ref is empty.
  template <class T, class Rep = long, class Period = std::milli>
  WaitResult<T> wait(std::vector<ObjectRef<T>> refs, std::size_t num_returns = 1,
                     std::optional<std::chrono::duration<Rep, Period>> timeout = std::nullopt) {
    std::vector<detail::ObjectEntry*> entries = entries_of(refs, "wait");
    check_num_returns(num_returns, refs.size());
    detail::note_call(*core_);
    std::optional<detail::Clock::time_point> deadline;
    if (timeout) deadline = detail::Clock::now() + std::chrono::duration_cast<detail::Clock::duration>(*timeout);
    detail::wait_for_count(entries, num_returns, deadline, num_returns == refs.size());
    WaitResult<T> result;
    for (auto& ref : refs) {
      bool take_it = result.ready.size() < num_returns && ref.is_ready();
      (take_it ? result.ready : result.not_ready).push_back(std::move(ref));
    }
    return result;
  }
  /// wait with a timeout given as any duration.
  template <class T, class Rep, class Period>
  WaitResult<T> wait(std::vector<ObjectRef<T>> refs, std::size_t num_returns,
                     std::chrono::duration<Rep, Period> timeout) {
    return wait<T, Rep, Period>(std::move(refs), num_returns, std::optional(timeout));
  }

  /// Cancels the task producing `ref`: one that has not started fails with TaskCancelledError at once (and so do
  /// the tasks that depend on it); a running one sees ctx.cancelled() and may stop early, and its result is discarded
  /// (TaskCancelledError) whatever it returns. With `recursive`, the tasks it submitted are cancelled too, and so is
  /// any it submits from now on. Returns false, changing nothing, for a finished task, a put() object, an empty ref or
  /// another runtime's ref.
  template <class T>
  bool cancel(const ObjectRef<T>& ref, bool recursive = false) {
    if (!ref.valid()) return false;
    return detail::cancel_object(*core_, *detail::CoreAccess::entry(ref), recursive);
  }

  /// Totals by resource name: "CPU", "GPU" and each custom resource.
  std::map<std::string, double> total_resources() const;
  /// What is free now, by resource name.
  std::map<std::string, double> available_resources() const;
  /// What hardware detection found at start.
  const HardwareInfo& hardware() const noexcept;
  /// Objects alive, bytes held, and the buffer counters (transfers, evictions, replica bytes per GPU).
  StoreStats store_stats() const;

  // Observability (src/runtime_listing.cpp).
  /// Records a timeline from now on (tasks, transfers, evictions, dependencies) and writes it to `path` as a Chrome
  /// trace (open it in https://ui.perfetto.dev) when the Runtime shuts down; a later call changes the path.
  /// HETSCHED_TIMELINE=path does the same from the start. A file that cannot be written then is a warning on stderr,
  /// never an error; an empty path is a UsageError.
  void timeline(const std::string& path);
  /// The tasks submitted and not yet finished, with their state and demand (a snapshot: tasks move on meanwhile).
  std::vector<TaskInfo> list_tasks() const;
  /// The objects alive in the store (put values and task results still referenced), with their state and size.
  std::vector<ObjectInfo> list_objects() const;
  /// The actors alive or still referenced, with their state and calls.
  std::vector<ActorInfo> list_actors() const;
  /// Tasks by state, retries, and the object store's counters, since the Runtime started.
  RuntimeCounters counters() const;
  /// counters() and the resources as a printable table (several lines, each ending in a newline).
  std::string summary() const;

 private:
  /// Takes over a running core whose Runtime was destroyed from inside one of its tasks, to finish its shutdown.
  explicit Runtime(std::unique_ptr<detail::RuntimeCore> core) noexcept;

  template <class T, class Rep = long, class Period = std::milli>
  detail::ObjectEntry& await(const ObjectRef<T>& ref, bool may_run_producer,
                             std::optional<std::chrono::duration<Rep, Period>> timeout = std::nullopt) {
    detail::ObjectEntry* entry = detail::CoreAccess::entry(ref);
    if (!entry) detail::throw_empty_ref("get");
    const bool was_done = entry->is_done();
    detail::note_get(*core_, *entry, was_done);
    if (!was_done) {
      std::optional<detail::Clock::time_point> deadline;
      auto start = detail::Clock::now();
      if (timeout) deadline = start + std::chrono::duration_cast<detail::Clock::duration>(*timeout);
      if (!detail::wait_for_count(std::span(&entry, 1), 1, deadline, may_run_producer)) {
        detail::throw_get_timeout(*entry, detail::Clock::now() - start);
      }
    }
    if (entry->state() == detail::ObjectState::failed) detail::rethrow_failure(*entry);
    return *entry;
  }

  template <class T>
  decltype(auto) read(const ObjectRef<T>&, detail::ObjectEntry& entry,
                      std::optional<detail::Clock::time_point> deadline) {
    if constexpr (std::is_void_v<T>) {
      return;
    } else if constexpr (detail::is_buffer<T>) {
      using U = typename T::value_type;
      auto bytes = detail::buffer_host_view(*core_, static_cast<detail::BufferEntry&>(entry), deadline);
      return std::span<const U>(reinterpret_cast<const U*>(bytes.data()), bytes.size() / sizeof(U));
    } else {
      if (entry.spill_slot()) entry.keep_value_resident();  // the reference stays valid: never spilled again
      return static_cast<const T&>(static_cast<detail::TypedObject<T>&>(entry).value());
    }
  }

  template <class T>
  auto take(ObjectRef<T>&& ref, std::optional<detail::Clock::time_point> deadline) {
    if constexpr (detail::is_buffer<T>) {
      auto view = read(ref, *detail::CoreAccess::entry(ref), deadline);
      return std::vector<typename T::value_type>(view.begin(), view.end());
    } else {
      return take_value(std::move(ref));
    }
  }

  template <class T>
  static T take_value(ObjectRef<T>&& ref) {
    if constexpr (!std::is_void_v<T>) {
      auto* entry = detail::CoreAccess::entry(ref);
      if (entry->user_refs() == 1) {
        T value = [&] {
          detail::ValuePin pin(*entry);
          return std::move(entry->mutable_value());
        }();
        ref.reset();
        return value;
      }
      if constexpr (std::is_copy_constructible_v<T>) {
        detail::ValuePin pin(*entry);
        return T(entry->value());
      } else {
        detail::throw_shared_move_only(*entry);
      }
    }
  }

  template <class T>
  static std::vector<detail::ObjectEntry*> entries_of(const std::vector<ObjectRef<T>>& refs, const char* op) {
    std::vector<detail::ObjectEntry*> entries;
    entries.reserve(refs.size());
    for (const auto& ref : refs) {
      if (!ref.valid()) detail::throw_empty_ref(op);
      entries.push_back(detail::CoreAccess::entry(ref));
    }
    return entries;
  }

  template <class T>
  void await_all(const std::vector<ObjectRef<T>>& refs, std::optional<detail::Clock::duration> timeout) {
    std::vector<detail::ObjectEntry*> entries = entries_of(refs, "get");
    auto start = detail::Clock::now();
    std::optional<detail::Clock::time_point> deadline;
    if (timeout) deadline = start + *timeout;
    if (!detail::wait_for_all(*core_, entries, deadline, !timeout)) {
      for (auto* entry : entries) {
        if (!entry->is_done()) detail::throw_get_timeout(*entry, detail::Clock::now() - start);
      }
    }
    for (auto* entry : entries) {
      if (entry->state() == detail::ObjectState::failed) detail::rethrow_failure(*entry);
    }
  }

  template <class T>
  static auto collect(const std::vector<ObjectRef<T>>& refs, bool may_move) {
    if constexpr (std::is_void_v<T>) {
      return;
    } else {
      std::vector<T> values;
      values.reserve(refs.size());
      for (const auto& ref : refs) {
        auto* entry = detail::CoreAccess::entry(ref);
        detail::ValuePin pin(*entry);
        if (may_move && entry->user_refs() == 1) {
          values.push_back(std::move(entry->mutable_value()));
        } else if constexpr (std::is_copy_constructible_v<T>) {
          values.push_back(entry->value());
        } else {
          detail::throw_shared_move_only(*entry);
        }
      }
      return values;
    }
  }

  static void check_num_returns(std::size_t num_returns, std::size_t size);

  std::unique_ptr<detail::RuntimeCore> core_;
};

}  // namespace hetsched
