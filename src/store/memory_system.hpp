// Where replica memory comes from and how bytes move between memory nodes. The store's coherence and eviction code
// (buffer_data, device_cache) is written against this interface only, so logical GPUs (host memory standing in for
// device memory) and real GPUs (the CUDA implementation in cuda/) run the same protocol.
#pragma once

#include <cstddef>
#include <memory>

/// The CUDA runtime's stream and event types (`cudaStream_t` is `CUstream_st*`, `cudaEvent_t` is `CUevent_st*`).
struct CUstream_st;
struct CUevent_st;

namespace hetsched::detail {

/// A memory node: host memory, or the memory of GPU `d` (0-based), logical or real.
using MemoryNode = int;
/// The host's memory node.
inline constexpr MemoryNode host_node = -1;

/// Allocation and transfer for every memory node of one runtime. Thread-safe.
class MemorySystem {
 public:
  virtual ~MemorySystem() = default;

  /// Host memory for a replica: pinned where real GPUs exist, so transfers run at full bandwidth. Throws
  /// std::bad_alloc when there is none.
  virtual std::byte* allocate_host(std::size_t bytes) = 0;
  /// Returns memory from allocate_host.
  virtual void free_host(std::byte* memory, std::size_t bytes) noexcept = 0;
  /// Memory on GPU `device` (host memory standing in for it on a logical GPU), usable from any stream once this
  /// returns; null when the device has none left (the caller evicts and retries).
  virtual std::byte* allocate_device(int device, std::size_t bytes) = 0;
  /// Returns memory from allocate_device. Nothing may still be using it.
  virtual void free_device(int device, std::byte* memory, std::size_t bytes) noexcept = 0;
  /// Hands the device memory that GPU `device`'s allocator keeps for reuse beyond `keep` bytes back to the device, so
  /// that allocations outside the store (a task body's cudaMalloc, a library's workspace) find it free; memory in use
  /// stays. Nothing to do on a logical GPU.
  virtual void trim(int device, std::size_t keep) noexcept = 0;
  /// Copies `bytes` from `source` on node `from` to `target` on node `to`; the copy is complete when this returns.
  /// Throws hetsched::CudaError when a real device fails.
  virtual void copy(MemoryNode to, std::byte* target, MemoryNode from, const std::byte* source, std::size_t bytes) = 0;

  /// Enqueues a copy to GPU `to` on `stream` (a stream of that GPU) after `source_ready` (when not null), and records
  /// in `target_ready` (an event made on first use, re-recorded afterwards) the point where the copy is complete.
  /// Returns at once; whatever reads or frees either side later waits for `target_ready` or for the stream.
  /// Throws hetsched::CudaError when it cannot be enqueued (nothing was recorded then).
  virtual void copy_on_stream(int to, std::byte* target, MemoryNode from, const std::byte* source, std::size_t bytes,
                              CUstream_st* stream, CUevent_st* source_ready, CUevent_st*& target_ready) = 0;
  /// Makes work enqueued later on `stream` wait until `ready` has passed (null: nothing to wait for).
  virtual void stream_wait(CUstream_st* stream, CUevent_st* ready) = 0;
  /// Blocks the calling thread until `ready` has passed (null: returns at once).
  virtual void host_wait(CUevent_st* ready) = 0;
  /// Gives back an event from copy_on_stream of GPU `device` (null: nothing to do).
  virtual void release_event(int device, CUevent_st* ready) noexcept = 0;
};

/// The implementation for logical GPUs only: every node is host memory and copies are memcpy. With
/// `keep_host_replicas` (there are logical GPUs to copy to and from), host replicas' memory is kept for reuse too.
std::unique_ptr<MemorySystem> make_host_memory_system(bool keep_host_replicas);
/// The implementation for this build with `devices` GPUs: 0..real_devices-1 are real CUDA devices (cuda/), the others
/// logical. With no real device (or a build without CUDA) this is make_host_memory_system(devices > 0).
std::unique_ptr<MemorySystem> make_memory_system(int real_devices, int devices);

}  // namespace hetsched::detail
