// Who hears about buffer uses that copied their buffer (the advisor's moving-buffer check): set on the BufferStore
// before any buffer exists, called by BufferData::acquire outside the buffer's lock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "store/memory_system.hpp"

namespace hetsched::detail {

/// A use of a buffer that copied it to the node it is used on.
struct BufferMove {
  std::uint32_t in_a_row = 0;   ///< Uses in a row, this one included, that each copied it.
  std::size_t bytes = 0;        ///< Its size.
  MemoryNode from = host_node;  ///< Where this use's copy came from.
  MemoryNode to = host_node;    ///< Where it is used.
};

/// Told about every use of a buffer that copied it. Thread-safe implementations only.
class BufferUseWatcher {
 public:
  virtual ~BufferUseWatcher() = default;
  /// A task (or a host view) used a buffer, and that use copied it.
  virtual void buffer_moved(const BufferMove& move) noexcept = 0;
};

}  // namespace hetsched::detail
