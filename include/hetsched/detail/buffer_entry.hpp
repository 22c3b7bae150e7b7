/// @file detail/buffer_entry.hpp
/// @brief BufferEntry: the object-store record of a Buffer, with the order of the tasks that use it. Not API.
#pragma once

#include "hetsched/detail/buffer_handle.hpp"
#include "hetsched/detail/object_entry.hpp"

namespace hetsched::detail {

struct AccessOrder;  // the order of the tasks using the buffer (src/store/access_order.hpp)

/// Base of every store entry that holds a Buffer<T>: the access order exists before the value does (the buffer may
/// be the pending result of a task while later tasks already declare access to it).
class BufferEntry : public ObjectEntry {
 public:
  /// The access order of this buffer.
  AccessOrder* order() const noexcept { return order_; }
  /// The buffer's replicas (null for an empty buffer); only once the entry is ready.
  virtual BufferData* data() const noexcept = 0;

 protected:
  /// Makes the access order (src/store/buffer_ordering.cpp).
  BufferEntry();
  ~BufferEntry() override;

 private:
  AccessOrder* order_;
};

}  // namespace hetsched::detail
