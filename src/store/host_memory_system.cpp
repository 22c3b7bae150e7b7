// The memory system of logical GPUs: every node's memory is host memory and every copy is a memcpy. Each node still
// gets its own allocation, so the coherence protocol moves (and counts) real bytes. A logical GPU keeps the memory of
// its freed replicas for reuse, as a real GPU's stream-ordered pool keeps freed device memory (until trim): a fresh
// block of host memory faults in every page on its first copy, which would make a logical GPU's copies several times
// slower than they are once its memory is in use. Where there are logical GPUs, host replicas' memory is kept too (the
// copies to and from the GPUs land there), as pinned host memory is with real GPUs; in a CPU-only program, host
// replicas are the C library's.
#include <cstring>
#include <deque>
#include <limits>
#include <mutex>
#include <new>

#include "store/block_pool.hpp"
#include "store/memory_system.hpp"

namespace hetsched::detail {
namespace {

/// Replica memory is aligned for any element type and for vector loads.
constexpr std::align_val_t replica_alignment{64};
/// Replicas from this size on come from kept blocks. Smaller ones come from the heap, whose free
/// lists reuse their memory already (the C library maps larger blocks afresh).
constexpr std::size_t kept_from_bytes = std::size_t{256} << 10;

std::byte* allocate_fresh(std::size_t bytes) {
  return static_cast<std::byte*>(::operator new(bytes, replica_alignment));
}
void free_fresh(std::byte* memory) noexcept { ::operator delete(memory, replica_alignment); }

class HostMemorySystem final : public MemorySystem {
 public:
  explicit HostMemorySystem(bool keep_host_replicas) : keep_host_replicas_(keep_host_replicas) {}

  std::byte* allocate_host(std::size_t bytes) override {
    return keep_host_replicas_ && bytes >= kept_from_bytes ? host_kept_.take(bytes) : allocate_fresh(bytes);
  }
  void free_host(std::byte* memory, std::size_t bytes) noexcept override {
    if (keep_host_replicas_ && bytes >= kept_from_bytes) {
      host_kept_.give_back(memory);
    } else {
      free_fresh(memory);
    }
  }
  std::byte* allocate_device(int device, std::size_t bytes) override {
    if (bytes < kept_from_bytes) return static_cast<std::byte*>(::operator new(bytes, replica_alignment, std::nothrow));
    try {
      return kept(device).take(bytes);
    } catch (const std::bad_alloc&) {
      return nullptr;
    }
  }
  void free_device(int device, std::byte* memory, std::size_t bytes) noexcept override {
    if (bytes < kept_from_bytes) {
      free_fresh(memory);
    } else if (BlockPool* blocks = find(device)) {
      blocks->give_back(memory);
    }
  }
  void trim(int device, std::size_t keep) noexcept override {
    if (BlockPool* blocks = find(device)) blocks->trim_to(keep);
  }
  void copy(MemoryNode, std::byte* target, MemoryNode, const std::byte* source, std::size_t bytes) override {
    std::memcpy(target, source, bytes);
  }
  // Logical GPUs have no streams: tasks on them never ask for a copy on one, and nothing ever waits.
  void copy_on_stream(int, std::byte* target, MemoryNode, const std::byte* source, std::size_t bytes, CUstream_st*,
                      CUevent_st*, CUevent_st*&) override {
    std::memcpy(target, source, bytes);
  }
  void stream_wait(CUstream_st*, CUevent_st*) override {}
  void host_wait(CUevent_st*) override {}
  void release_event(int, CUevent_st*) noexcept override {}

 private:
  /// GPU `device`'s kept blocks, made on its first large replica. They never take more host memory, with its replicas,
  /// than its replicas took at their most (BlockPool::keep_up_to_peak), which the device's capacity bounds.
  BlockPool& kept(int device) {
    std::lock_guard lock(devices_mutex_);
    while (devices_.size() <= static_cast<std::size_t>(device)) {
      devices_.emplace_back(allocate_fresh, free_fresh, BlockPool::keep_up_to_peak);
    }
    return devices_[static_cast<std::size_t>(device)];
  }
  /// GPU `device`'s kept blocks; null before its first large replica.
  BlockPool* find(int device) noexcept {
    std::lock_guard lock(devices_mutex_);
    return static_cast<std::size_t>(device) < devices_.size() ? &devices_[static_cast<std::size_t>(device)] : nullptr;
  }

  const bool keep_host_replicas_;
  /// Host replicas' kept blocks: never more, with the host replicas, than those took at their most, which the host
  /// budget (Config::object_store_bytes) bounds.
  BlockPool host_kept_{allocate_fresh, free_fresh, BlockPool::keep_up_to_peak};
  std::mutex devices_mutex_;
  std::deque<BlockPool> devices_;  // a deque: a pool never moves once made
};

}  // namespace

std::unique_ptr<MemorySystem> make_host_memory_system(bool keep_host_replicas) {
  return std::make_unique<HostMemorySystem>(keep_host_replicas);
}

}  // namespace hetsched::detail
