// One copy of a buffer on one memory node, and its coherence state (StarPU's MSI protocol).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>

struct CUevent_st;

namespace hetsched::detail {

class BufferData;

/// Coherence state of a replica. Invariant kept by BufferData: exactly one valid replica is the owner, two or more
/// valid replicas are all shared, so dropping a shared replica never loses the only valid copy.
enum class ReplicaState : std::uint8_t {
  invalid,  ///< Stale or never filled (its memory may still be allocated, as a cache slot).
  shared,   ///< Valid, and at least one other replica is valid too.
  owner     ///< The only valid copy: dropping it needs a write-back.
};

/// A buffer's copy on one node.
struct Replica {
  std::byte* memory = nullptr;                ///< Allocated memory (null when none); guarded by the buffer's mutex.
  ReplicaState state = ReplicaState::invalid;  ///< Guarded by the buffer's mutex.
  /// On a real GPU, the event after the last copy enqueued into it on a task's stream (null until one was): its
  /// contents are valid once that event has passed. Guarded by the buffer's mutex.
  CUevent_st* ready = nullptr;
  /// Tasks using it now, on a GPU (a pinned replica is never evicted; host replicas are never evicted and not
  /// counted). Changed under the buffer's mutex and its device cache's mutex, so the cache's victim scan reads it
  /// exactly without the buffer's mutex.
  std::atomic<int> pins{0};
  std::list<BufferData*>::iterator lru_position;  ///< Guarded by the device cache's mutex; valid while tracked.

  /// True when it holds current data.
  bool valid() const noexcept { return state != ReplicaState::invalid; }
};

}  // namespace hetsched::detail
