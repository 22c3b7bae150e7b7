// The memory system of logical GPUs: every node's memory is host memory and every copy is a memcpy. Each node still
// gets its own allocation, so the coherence protocol moves (and counts) real bytes.
#include <cstring>
#include <new>

#include "store/memory_system.hpp"

namespace hetsched::detail {
namespace {

/// Replica memory is aligned for any element type and for vector loads.
constexpr std::align_val_t replica_alignment{64};

class HostMemorySystem final : public MemorySystem {
 public:
  std::byte* allocate_host(std::size_t bytes) override {
    return static_cast<std::byte*>(::operator new(bytes, replica_alignment));
  }
  void free_host(std::byte* memory, std::size_t) noexcept override { ::operator delete(memory, replica_alignment); }
  std::byte* allocate_device(int, std::size_t bytes) override {
    return static_cast<std::byte*>(::operator new(bytes, replica_alignment, std::nothrow));
  }
  void free_device(int, std::byte* memory, std::size_t) noexcept override {
    ::operator delete(memory, replica_alignment);
  }
  void trim(int, std::size_t) noexcept override {}  // operator delete gave the memory back already
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
};

}  // namespace

std::unique_ptr<MemorySystem> make_host_memory_system() { return std::make_unique<HostMemorySystem>(); }

}  // namespace hetsched::detail
