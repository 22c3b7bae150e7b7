// The order of the tasks that use one buffer, from which each new user's dependencies follow (StarPU's sequential
// consistency): a reader waits for the last writer, a writer for the last writer and every reader submitted since.
#pragma once

#include <mutex>
#include <vector>

#include "hetsched/detail/buffer_entry.hpp"
#include "hetsched/detail/object_entry.hpp"

namespace hetsched::detail {

/// The tasks that declared access to one buffer, in submission order. Guarded by `mutex`.
struct AccessOrder {
  std::mutex mutex;                ///< Guards the two members below.
  EntryHold last_writer;           ///< Completion of the last task that writes the buffer (empty when none).
  std::vector<EntryHold> readers;  ///< Completions of the reading tasks submitted after it.
};

/// The last writer of `entry` submitted so far, held (empty when none).
EntryHold last_writer_of(BufferEntry& entry);

}  // namespace hetsched::detail
