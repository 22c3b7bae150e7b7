/// @file detail/pooled_record.hpp
/// @brief PooledRecord: the base of the records made once per task, which come from the runtime's record pool. Not API.
#pragma once

#include <cstddef>
#include <new>

namespace hetsched::detail {

/// Base of the records made once per task (task records, result entries). They come from the record pool
/// (src/task/record_pool.hpp): the submitting thread makes them and another thread usually frees them, which the
/// ordinary heap serves through its arena's lock. Over-aligned ones use the ordinary heap.
struct PooledRecord {
  /// A record of `bytes` from the pool.
  static void* operator new(std::size_t bytes);
  /// Same, for a record that asks for more alignment (the ordinary heap).
  static void* operator new(std::size_t bytes, std::align_val_t alignment);
  /// Gives a record back, from any thread.
  static void operator delete(void* memory, std::size_t bytes) noexcept;
  /// Same, for an over-aligned record.
  static void operator delete(void* memory, std::size_t bytes, std::align_val_t alignment) noexcept;
};

}  // namespace hetsched::detail
