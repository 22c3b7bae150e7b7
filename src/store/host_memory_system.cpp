// The memory system of logical GPUs: every node's memory is host memory and every copy is a memcpy. Each node still
// gets its own allocation, so the coherence protocol moves (and counts) real bytes. The memory of freed replicas is
// kept for reuse, as a real GPU's stream-ordered pool keeps freed device memory and a CUDA build keeps pinned host
// blocks: a fresh block of host memory faults in every page on its first write, which would make a logical GPU's
// copies several times slower than they are once its memory is in use. All nodes are host memory, so one pool serves
// them all. In a program without GPUs (nothing to copy to or from), host replicas are the C library's.
#include <cstring>
#include <new>

#include "store/block_pool.hpp"
#include "store/memory_system.hpp"

namespace hetsched::detail {
namespace {

/// Replica memory is aligned for any element type and for vector loads.
constexpr std::align_val_t replica_alignment{64};
/// Replicas from this size on come from the kept blocks. Smaller ones come from the heap, whose free lists reuse their
/// memory already (the C library maps larger blocks afresh).
constexpr std::size_t kept_from_bytes = std::size_t{256} << 10;

std::byte* allocate_fresh(std::size_t bytes) {
  return static_cast<std::byte*>(::operator new(bytes, replica_alignment));
}
void free_fresh(std::byte* memory) noexcept { ::operator delete(memory, replica_alignment); }

class HostMemorySystem final : public MemorySystem {
 public:
  explicit HostMemorySystem(bool keep_host_replicas) : keep_host_replicas_(keep_host_replicas) {}

  std::byte* allocate_host(std::size_t bytes) override { return allocate(bytes, keep_host_replicas_); }
  void free_host(std::byte* memory, std::size_t bytes) noexcept override {
    release(memory, bytes, keep_host_replicas_);
  }
  std::byte* allocate_device(int, std::size_t bytes) override {
    try {
      return allocate(bytes, true);
    } catch (const std::bad_alloc&) {
      return nullptr;  // the caller evicts and retries
    }
  }
  void free_device(int, std::byte* memory, std::size_t bytes) noexcept override { release(memory, bytes, true); }
  // The kept blocks are host memory, not a logical device's: the device has nothing to get back.
  void trim(int, std::size_t) noexcept override {}
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
  /// A replica of `bytes`: a kept block when `keeping` and it is large enough, else the heap's.
  std::byte* allocate(std::size_t bytes, bool keeping) {
    return keeping && bytes >= kept_from_bytes ? kept_.take(bytes) : allocate_fresh(bytes);
  }
  /// Gives back a replica from allocate(bytes, keeping).
  void release(std::byte* memory, std::size_t bytes, bool keeping) noexcept {
    if (keeping && bytes >= kept_from_bytes) {
      kept_.give_back(memory);
    } else {
      free_fresh(memory);
    }
  }

  const bool keep_host_replicas_;
  /// Keeps no more than the replicas taken from it held at their most (BlockPool::keep_up_to_peak), which the GPUs'
  /// capacities and the host budget bound.
  BlockPool kept_{allocate_fresh, free_fresh, BlockPool::keep_up_to_peak};
};

}  // namespace

std::unique_ptr<MemorySystem> make_host_memory_system(bool keep_host_replicas) {
  return std::make_unique<HostMemorySystem>(keep_host_replicas);
}

}  // namespace hetsched::detail
