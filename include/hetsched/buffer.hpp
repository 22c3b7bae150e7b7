/// @file buffer.hpp
/// @brief Buffer<T>: an array the store keeps coherent across host memory and GPUs, and the access declarations
/// hetsched::read, hetsched::write and hetsched::read_write through which tasks use it.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>

#include "hetsched/detail/buffer_entry.hpp"
#include "hetsched/detail/buffer_handle.hpp"
#include "hetsched/object_ref.hpp"

namespace hetsched {

/// An array of trivially copyable T living in the object store, with a replica per memory node (host memory and each
/// GPU) kept coherent by the runtime (StarPU's owner / shared / invalid protocol). Made from host data with
/// `rt.put_buffer(values)`, or inside a task with `ctx.alloc<T>(n)` and returned from it. Tasks never receive the
/// Buffer itself: they declare access with `hetsched::read(ref)`, `write(ref)` or `read_write(ref)` and their body
/// gets a `std::span` over the replica on their own device (device memory for a GPU task, host memory for a CPU
/// task). Tasks using one buffer run in an order consistent with their submission: a reader sees every write
/// submitted before it, and two writers never overlap. `rt.get(ref)` returns a host view.
///
/// @code
///   auto ref = rt.put_buffer(std::vector<float>(1024, 1.0f));
///   auto done = rt.task([](std::span<float> x) { for (float& v : x) v *= 2; }).remote(hetsched::read_write(ref));
///   std::span<const float> host = rt.get(ref);  // waits for the writer; host[0] == 2
/// @endcode
/// Move-only; not thread-safe itself (the store entry that holds it is).
template <class T>
class Buffer {
  static_assert(std::is_trivially_copyable_v<T>,
                "hetsched: Buffer<T> needs a trivially copyable T (its bytes are copied between host and GPU "
                "memory); store other types with rt.put, or flatten them into an array of plain structs");
  static_assert(!std::is_const_v<T> && !std::is_volatile_v<T> && !std::is_reference_v<T>,
                "hetsched: use Buffer<T> with a plain element type; read access gives a span of const T");

 public:
  /// The element type.
  using value_type = T;

  /// An empty buffer (no elements).
  Buffer() = default;
  Buffer(Buffer&&) noexcept = default;
  Buffer& operator=(Buffer&&) noexcept = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  /// Number of elements.
  std::size_t size() const noexcept { return size_; }
  /// Number of bytes.
  std::size_t size_bytes() const noexcept { return size_ * sizeof(T); }
  /// True when the buffer has no elements.
  bool empty() const noexcept { return size_ == 0; }
  /// The memory ctx.alloc gave the allocating task (device memory for a GPU task): fill it there, inside that task.
  /// Any other task declares access instead; null for a buffer from put_buffer.
  T* data() const noexcept { return local_; }
  /// data() as a span.
  std::span<T> span() const noexcept { return {local_, local_ ? size_ : 0}; }


 private:
  friend struct detail::CoreAccess;
  Buffer(detail::BufferHandle handle, T* local, std::size_t size) noexcept
      : handle_(std::move(handle)), local_(local), size_(size) {}

  detail::BufferHandle handle_;
  T* local_ = nullptr;
  std::size_t size_ = 0;
};

/// A task argument declaring that the task uses a buffer with access `M`; its body receives a span over the buffer
/// on the task's device (`std::span<const T>` for read, `std::span<T>` otherwise). Made by hetsched::read, write and
/// read_write.
template <class T, Access M>
class BufferAccess {
 public:
  /// What the body's span holds.
  using element_type = std::conditional_t<M == Access::read, const T, T>;
  /// The parameter type of the body for this argument.
  using span_type = std::span<element_type>;
  /// The declared access.
  static constexpr Access mode = M;

  /// Declares access to the buffer behind `ref`.
  explicit BufferAccess(ObjectRef<Buffer<T>> ref) noexcept : ref_(std::move(ref)) {}
  /// The buffer.
  const ObjectRef<Buffer<T>>& ref() const noexcept { return ref_; }


 private:
  friend struct detail::CoreAccess;
  span_type span() const noexcept {
    return span_type(reinterpret_cast<element_type*>(binding_.memory), binding_.bytes / sizeof(T));
  }

  ObjectRef<Buffer<T>> ref_;
  detail::BufferBinding binding_;
};

/// Declares that a task reads the buffer: its body receives `std::span<const T>`.
template <class T>
BufferAccess<T, Access::read> read(const ObjectRef<Buffer<T>>& ref) {
  return BufferAccess<T, Access::read>(ref);
}
/// Declares that a task overwrites the buffer without reading it first: its body receives `std::span<T>` whose
/// contents are unspecified until written.
template <class T>
BufferAccess<T, Access::write> write(const ObjectRef<Buffer<T>>& ref) {
  return BufferAccess<T, Access::write>(ref);
}
/// Declares that a task reads and modifies the buffer: its body receives `std::span<T>`.
template <class T>
BufferAccess<T, Access::read_write> read_write(const ObjectRef<Buffer<T>>& ref) {
  return BufferAccess<T, Access::read_write>(ref);
}

namespace detail {

template <class T>
inline constexpr bool is_buffer<Buffer<T>> = true;

/// True for ObjectRef<Buffer<T>>.
template <class A>
inline constexpr bool is_buffer_ref = false;
template <class T>
inline constexpr bool is_buffer_ref<ObjectRef<Buffer<T>>> = true;

/// True for BufferAccess<T, M>.
template <class A>
inline constexpr bool is_buffer_access = false;
template <class T, Access M>
inline constexpr bool is_buffer_access<BufferAccess<T, M>> = true;

/// The store entry of a Buffer<T>: a TypedObject whose base carries the buffer's access order.
template <class T>
class TypedObject<Buffer<T>> final : public BufferEntry {
 public:
  /// Constructs the value in place (before mark_ready).
  template <class... A>
  void emplace(A&&... args) {
    value_.emplace(std::forward<A>(args)...);
  }
  /// The value; only after state() is ready.
  const Buffer<T>& value() const noexcept { return *value_; }
  /// The value for moving out; only by the sole ObjectRef owner.
  Buffer<T>& mutable_value() noexcept { return *value_; }
  BufferData* data() const noexcept override { return value_ ? CoreAccess::handle(*value_).get() : nullptr; }
  BudgetKind budget_kind() const noexcept override { return BudgetKind::not_counted; }

 private:
  std::optional<Buffer<T>> value_;
};

}  // namespace detail
}  // namespace hetsched
