/// @file detail/buffer_entry.hpp
/// @brief BufferEntry: the object-store record of a Buffer, with the order of the tasks that use it. Not API.
#pragma once

#include <mutex>
#include <vector>

#include "hetsched/detail/buffer_handle.hpp"
#include "hetsched/detail/object_entry.hpp"

namespace hetsched::detail {

/// The tasks that declared access to one buffer, in submission order, from which the next task's dependencies
/// follow (StarPU's sequential consistency): a reader waits for the last writer, a writer for the last writer and
/// every reader submitted since. Guarded by `mutex`.
struct AccessOrder {
  std::mutex mutex;                ///< Guards the two members below.
  EntryHold last_writer;           ///< Result of the last task that writes the buffer (empty when none).
  std::vector<EntryHold> readers;  ///< Results of the reading tasks submitted after it.
};

/// Base of every store entry that holds a Buffer<T>: the access order exists before the value does (the buffer may
/// be the pending result of a task while later tasks already declare access to it).
class BufferEntry : public ObjectEntry {
 public:
  /// The access order of this buffer.
  AccessOrder& order() noexcept { return order_; }
  /// The buffer's replicas (null for an empty buffer); only once the entry is ready.
  virtual BufferData* data() const noexcept = 0;

 protected:
  ~BufferEntry() override = default;

 private:
  AccessOrder order_;
};

}  // namespace hetsched::detail
