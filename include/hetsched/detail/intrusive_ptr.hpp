/// @file detail/intrusive_ptr.hpp
/// @brief IntrusivePtr<T>: an owning pointer to an object that counts its own references. Not API.
#pragma once

#include <utility>

namespace hetsched::detail {

/// Adds a reference to an object that counts its own (through its retain() member). A type whose definition is not
/// public declares a non-template overload beside it instead.
template <class T>
void intrusive_retain(T* object) noexcept {
  object->retain();
}
/// Drops a reference (the last one frees the object).
template <class T>
void intrusive_release(T* object) noexcept {
  object->release();
}

/// Owns one reference of a T counted by intrusive_retain and intrusive_release.
template <class T>
class IntrusivePtr {
 public:
  IntrusivePtr() = default;
  /// Takes a new reference on `object` (may be null).
  explicit IntrusivePtr(T* object) noexcept : object_(object) {
    if (object_) intrusive_retain(object_);
  }
  IntrusivePtr(const IntrusivePtr& other) noexcept : IntrusivePtr(other.object_) {}
  IntrusivePtr(IntrusivePtr&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}
  IntrusivePtr& operator=(IntrusivePtr other) noexcept {
    std::swap(object_, other.object_);
    return *this;
  }
  ~IntrusivePtr() {
    if (object_) intrusive_release(object_);
  }
  /// Wraps a reference the caller already owns.
  static IntrusivePtr adopt(T* object) noexcept {
    IntrusivePtr pointer;
    pointer.object_ = object;
    return pointer;
  }
  /// Gives up ownership without releasing (the caller takes over the reference).
  T* detach() noexcept { return std::exchange(object_, nullptr); }
  /// The object.
  T* get() const noexcept { return object_; }
  /// Member access.
  T* operator->() const noexcept { return object_; }
  /// Dereference.
  T& operator*() const noexcept { return *object_; }
  /// True when non-null.
  explicit operator bool() const noexcept { return object_ != nullptr; }

 private:
  T* object_ = nullptr;
};

}  // namespace hetsched::detail
