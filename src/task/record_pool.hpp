// Where task records and store entries get their memory. Each task makes two (its record and its result entry) on
// the submitting thread, and another thread usually frees them. The ordinary heap serves that pattern through the
// allocating arena's lock; this pool keeps freed blocks in a cache per thread and size class, and moves them between
// threads a batch at a time, through one short lock per batch.
#pragma once

#include <cstddef>

namespace hetsched::detail {

/// Largest record the pool serves; larger ones come from the ordinary heap.
inline constexpr std::size_t pooled_record_limit = 512;

/// Memory for a record of `bytes` (aligned as ::operator new(bytes) is); throws std::bad_alloc.
void* allocate_record(std::size_t bytes);
/// Gives back a record of `bytes` made by allocate_record(bytes), on any thread.
void free_record(void* memory, std::size_t bytes) noexcept;

}  // namespace hetsched::detail
