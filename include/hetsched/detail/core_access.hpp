/// @file detail/core_access.hpp
/// @brief CoreAccess: the one friend through which the library reaches the members of public types that users must
/// not call (adopting constructors, the entry behind a ref, a buffer's replicas and binding). Not API.
#pragma once

#include <cstddef>
#include <utility>

#include "hetsched/detail/buffer_handle.hpp"
#include "hetsched/detail/intrusive_ptr.hpp"
#include "hetsched/detail/object_entry.hpp"

/// The CUDA runtime's stream type (`cudaStream_t` is `CUstream_st*`), declared so that no CUDA header is needed.
struct CUstream_st;

namespace hetsched {
template <class T>
class ObjectRef;
template <class T>
class ObjectView;
template <class T>
class Buffer;
template <class T, Access M>
class BufferAccess;
template <class F>
class TaskBuilder;
template <class T>
class ActorBuilder;
template <class T>
class ActorHandle;
class TaskContext;
}  // namespace hetsched

namespace hetsched::detail {

class RuntimeCore;
class Task;
class ActorState;

/// Every member here forwards to a private member of a public type; only the library's templates and src/ call it.
struct CoreAccess {
  /// A ref adopting a freshly created entry (one user reference is taken).
  template <class T>
  static ObjectRef<T> adopt_ref(TypedObject<Stored<T>>* entry) noexcept {
    return ObjectRef<T>(entry);
  }
  /// A view pinning `ref`'s ready value.
  template <class T>
  static ObjectView<T> make_view(const ObjectRef<T>& ref) {
    return ObjectView<T>(ref);
  }
  /// The entry behind a ref (null when empty).
  template <class T>
  static TypedObject<Stored<T>>* entry(const ObjectRef<T>& ref) noexcept {
    return ref.entry_;
  }
  /// A buffer wrapping freshly made replicas; `local` is the memory the allocating task fills (null for put_buffer).
  template <class T>
  static Buffer<T> make_buffer(BufferHandle handle, T* local, std::size_t size) noexcept {
    return Buffer<T>(std::move(handle), local, size);
  }
  /// A buffer's replicas.
  template <class T>
  static const BufferHandle& handle(const Buffer<T>& buffer) noexcept {
    return buffer.handle_;
  }
  /// The span a task body receives for a declared buffer, once bound.
  template <class T, Access M>
  static auto span(const BufferAccess<T, M>& access) noexcept {
    return access.span();
  }
  /// Where the runtime binds a declared buffer's replica.
  template <class T, Access M>
  static BufferBinding& binding(BufferAccess<T, M>& access) noexcept {
    return access.binding_;
  }
  /// The builder Runtime::task returns.
  template <class F, class G>
  static TaskBuilder<F> task_builder(RuntimeCore& core, G&& fn) {
    return TaskBuilder<F>(core, std::forward<G>(fn));
  }
  /// The builder Runtime::actor returns.
  template <class T>
  static ActorBuilder<T> actor_builder(RuntimeCore& core) {
    return ActorBuilder<T>(core);
  }
  /// A handle wrapping an actor's record.
  template <class T>
  static ActorHandle<T> actor_handle(IntrusivePtr<ActorState> actor) noexcept {
    return ActorHandle<T>(std::move(actor));
  }
  /// The context of one run of one task (defined with TaskContext).
  static TaskContext task_context(Task& task, CUstream_st* stream) noexcept;
};

}  // namespace hetsched::detail
