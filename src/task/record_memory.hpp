// Where task records and store entries get their memory. Each task makes two (its record and its result entry), on
// the submitting thread, and another thread usually frees them. glibc serves that pattern through the allocating
// arena's lock (a futex wake per contended free, and fastbin consolidation for the 88-byte entry): oneTBB's scalable
// allocator keeps a heap per thread and hands a block freed elsewhere back to its owner's heap without a lock.
// Under AddressSanitizer and ThreadSanitizer the records come from the ordinary heap, which those tools watch.
#pragma once

#include <cstddef>
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HETSCHED_RECORDS_ON_PLAIN_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define HETSCHED_RECORDS_ON_PLAIN_HEAP 1
#endif
#endif

#ifndef HETSCHED_RECORDS_ON_PLAIN_HEAP
#include <oneapi/tbb/scalable_allocator.h>
#endif

namespace hetsched::detail {

/// Memory for one record of `bytes` at `alignment` (at least the default new alignment); throws std::bad_alloc.
inline void* allocate_record(std::size_t bytes, std::size_t alignment) {
#ifdef HETSCHED_RECORDS_ON_PLAIN_HEAP
  return ::operator new(bytes, std::align_val_t{alignment});
#else
  if (void* memory = scalable_aligned_malloc(bytes, alignment)) return memory;
  throw std::bad_alloc();
#endif
}

/// Gives back what allocate_record returned (on any thread), with the alignment it was asked for.
inline void free_record(void* memory, std::size_t alignment) noexcept {
#ifdef HETSCHED_RECORDS_ON_PLAIN_HEAP
  ::operator delete(memory, std::align_val_t{alignment});
#else
  static_cast<void>(alignment);
  scalable_aligned_free(memory);
#endif
}

/// The alignment a record gets when its type asks for no more.
inline constexpr std::size_t default_record_alignment = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

}  // namespace hetsched::detail
