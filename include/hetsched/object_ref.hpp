/// @file object_ref.hpp
/// @brief ObjectRef<T>: a reference-counted handle to a value in the object store (a future result or a put).
#pragma once

#include <cstdint>
#include <utility>

#include "hetsched/detail/core_access.hpp"
#include "hetsched/detail/object_entry.hpp"

namespace hetsched {

/// A handle to an object that exists now or will exist when a task finishes. Copying a ref is cheap (one atomic
/// increment); the object is freed when the last ref to it is destroyed. Read it with Runtime::get, pass it to tasks
/// as an argument to wire them into a graph. Thread-safe: copies may be used from any thread.
///
/// @code
///   hetsched::ObjectRef<int> r = rt.task([] { return 1; }).remote();
///   int one = rt.get(r);
/// @endcode
template <class T>
class ObjectRef {
 public:
  /// The type of the value the ref resolves to.
  using value_type = T;

  /// An empty ref; `get` on it throws UsageError.
  ObjectRef() = default;
  /// Copies the ref (the object gains a reference).
  ObjectRef(const ObjectRef& other) noexcept : entry_(other.entry_) {
    if (entry_) entry_->retain_user();
  }
  /// Moves the ref; `other` becomes empty.
  ObjectRef(ObjectRef&& other) noexcept : entry_(std::exchange(other.entry_, nullptr)) {}
  /// Copy-assigns.
  ObjectRef& operator=(const ObjectRef& other) noexcept { return *this = ObjectRef(other); }
  /// Move-assigns.
  ObjectRef& operator=(ObjectRef&& other) noexcept {
    if (this != &other) {
      reset();
      entry_ = std::exchange(other.entry_, nullptr);
    }
    return *this;
  }
  /// Drops this reference.
  ~ObjectRef() { reset(); }

  /// True unless default-constructed, moved-from or reset.
  bool valid() const noexcept { return entry_ != nullptr; }
  /// Same as valid().
  explicit operator bool() const noexcept { return valid(); }
  /// The object's id (0 for an empty ref).
  std::uint64_t id() const noexcept { return entry_ ? entry_->id() : 0; }
  /// True when the object is ready or failed (never blocks; false for an empty ref).
  bool is_ready() const noexcept { return entry_ && entry_->is_done(); }
  /// Drops the reference now; the ref becomes empty.
  void reset() noexcept {
    if (entry_) std::exchange(entry_, nullptr)->release_user();
  }
  /// Refs are equal when they name the same object.
  friend bool operator==(const ObjectRef& a, const ObjectRef& b) noexcept { return a.entry_ == b.entry_; }


 private:
  friend struct detail::CoreAccess;
  explicit ObjectRef(detail::TypedObject<detail::Stored<T>>* entry) noexcept : entry_(entry) {
    if (entry_) entry_->retain_user();
  }

  detail::TypedObject<detail::Stored<T>>* entry_ = nullptr;
};

}  // namespace hetsched
