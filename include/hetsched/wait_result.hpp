/// @file wait_result.hpp
/// @brief WaitResult<T>: what Runtime::wait returns (the refs that are ready, and the rest).
#pragma once

#include <vector>

#include "hetsched/object_ref.hpp"

namespace hetsched {

/// The two halves of a wait: at most num_returns ready refs, and every other ref, each in input order.
template <class T>
struct WaitResult {
  std::vector<ObjectRef<T>> ready;      ///< Refs whose objects are ready or failed (get does not block on them).
  std::vector<ObjectRef<T>> not_ready;  ///< Every other ref given to wait.
};

}  // namespace hetsched
