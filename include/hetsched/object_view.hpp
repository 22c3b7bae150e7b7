/// @file object_view.hpp
/// @brief ObjectView<T>: read access to a stored value that keeps it in host memory only while the view lives.
#pragma once

#include <utility>

#include "hetsched/detail/core_access.hpp"
#include "hetsched/detail/object_entry.hpp"
#include "hetsched/object_ref.hpp"

namespace hetsched {

/// A read-only view of a ready object, made by Runtime::get_view. While it lives the object stays in host memory
/// (it is never spilled) and the object itself stays alive; once it is destroyed the object may be spilled again
/// past the host budget. get(const ref&) instead keeps the object in memory for as long as the object lives.
/// Move-only; the view may be used from any thread, and several views of one object may coexist.
///
/// @code
///   auto ref = rt.put(std::vector<double>(1 << 20, 1.0));
///   {
///     hetsched::ObjectView<std::vector<double>> view = rt.get_view(ref);
///     double first = (*view)[0];        // no copy
///   }                                   // from here the vector may be spilled again
/// @endcode
template <class T>
class ObjectView {
 public:
  ObjectView(ObjectView&& other) noexcept = default;
  ObjectView& operator=(ObjectView&& other) noexcept {
    if (this != &other) {
      release();
      ref_ = std::move(other.ref_);
    }
    return *this;
  }
  ObjectView(const ObjectView&) = delete;
  ObjectView& operator=(const ObjectView&) = delete;
  /// Unpins the object.
  ~ObjectView() { release(); }

  /// The value.
  const T& get() const noexcept { return detail::CoreAccess::entry(ref_)->value(); }
  /// The value.
  const T& operator*() const noexcept { return get(); }
  /// Member access to the value.
  const T* operator->() const noexcept { return &get(); }
  /// The ref the view was made from.
  const ObjectRef<T>& ref() const noexcept { return ref_; }

 private:
  friend struct detail::CoreAccess;
  /// Pins `ref`'s ready value (ObjectLostError when it cannot be restored).
  explicit ObjectView(const ObjectRef<T>& ref) : ref_(ref) {
    auto* entry = detail::CoreAccess::entry(ref_);
    if (entry->spill_slot()) entry->pin_value();
  }
  void release() noexcept {
    if (!ref_.valid()) return;
    auto* entry = detail::CoreAccess::entry(ref_);
    if (entry->spill_slot()) entry->unpin_value();
    ref_.reset();
  }

  ObjectRef<T> ref_;
};

}  // namespace hetsched
