// A GPU mistake: a Buffer copied between memory nodes on nearly every use (host -> GPU -> host each iteration, or
// from GPU to GPU as its tasks land on alternate devices), so the program moves its data instead of computing on it.
// Each buffer counts its uses in a row that needed a copy (BufferData::note_use, one relaxed atomic per use); the
// store tells the advisor about copying uses only.
#pragma once

#include <cstdint>

#include "store/buffer_use_watcher.hpp"

namespace hetsched::detail {

/// Uses in a row that each copied one buffer and make the pattern.
inline constexpr std::uint32_t moving_buffer_threshold = 8;

/// Whether a copying use completes the pattern (each buffer's run reaches the threshold once before a use without a
/// copy starts it over; the advisor reports once per runtime).
inline bool buffer_keeps_moving(const BufferMove& move) noexcept {
  return move.in_a_row == moving_buffer_threshold;
}

}  // namespace hetsched::detail
