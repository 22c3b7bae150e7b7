// The simulated CUDA runtime, second half: memory and copies. Device memory is finite: cudaMalloc'd bytes and the
// default pool's reserve together never exceed the device's (cudaErrorMemoryAllocation). The pool keeps freed memory
// up to its release threshold at each host synchronisation, and cudaMemPoolTrimTo gives back the rest (a fragmenting
// pool reuses kept memory only in the pieces it was freed as, DeviceSpec::fragmenting_pool). cudaMalloc, cudaFree,
// cudaMallocHost and cudaFreeHost wait for every stream of the device (the allocating two unless
// MachineSpec::allocation_synchronizes is off), and the machine records each such implicit synchronisation. Freeing
// memory that pending work still touches is a violation.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "machine.hpp"

using hetsched::sim::detail::Allocation;
using hetsched::sim::detail::Device;
using hetsched::sim::detail::enter;
using hetsched::sim::detail::Machine;
using hetsched::sim::detail::Op;
using hetsched::sim::detail::Range;
using hetsched::sim::detail::returned;
using hetsched::sim::detail::this_thread;

namespace {

Machine& machine() { return Machine::instance(); }

/// New zeroed-free memory of `bytes` (at least one, so that every block has an address of its own).
std::byte* new_block(std::size_t bytes) { return new (std::nothrow) std::byte[std::max<std::size_t>(bytes, 1)]; }

/// Hands out `bytes` from `device`'s pool, growing its reserve when the device has room; null when it has none.
std::byte* pool_allocate(Machine& m, Device& device, int index, std::size_t bytes) {
  CUmemPoolHandle_st& pool = device.pool;
  const std::size_t spare = pool.reserved - pool.in_use;
  std::size_t grow = bytes > spare ? bytes - spare : 0;
  // A fragmenting pool serves a request from one kept piece (the rest of it stays kept) or from new reserve only.
  auto piece = pool.fragmenting ? pool.pieces.lower_bound(bytes) : pool.pieces.end();
  if (pool.fragmenting) grow = piece == pool.pieces.end() ? bytes : 0;
  if (device.plain_used + pool.reserved + grow > device.spec.memory) {
    ++device.stats.failed_allocations;
    return nullptr;
  }
  std::byte* block = new_block(bytes);
  if (!block) return nullptr;
  if (piece != pool.pieces.end()) {
    if (*piece > bytes) pool.pieces.insert(*piece - bytes);
    pool.pieces.erase(piece);
  }
  pool.reserved += grow;
  pool.in_use += bytes;
  pool.reserved_high = std::max(pool.reserved_high, pool.reserved);
  pool.in_use_high = std::max(pool.in_use_high, pool.in_use);
  m.allocations[block] = Allocation{Allocation::Kind::pool, index, bytes};
  return block;
}

/// Checks a device pointer of a copy: it must lie in device memory (of `device` when that is not negative).
bool device_pointer(Machine& m, const void* pointer, int device, const char* call) {
  const Allocation* block = m.allocation_at(pointer);
  if (!block || block->kind == Allocation::Kind::pinned) {
    m.violation(std::string(call) + " given a device pointer that is no device memory");
    return false;
  }
  if (device >= 0 && block->device != device) {
    m.violation(std::string(call) + " given memory of device " + std::to_string(block->device) + " as device " +
                std::to_string(device) + "'s");
    return false;
  }
  return true;
}

bool is_pinned(Machine& m, const void* pointer) {
  const Allocation* block = m.allocation_at(pointer);
  return block && block->kind == Allocation::Kind::pinned;
}

/// Enqueues a copy on `stream`. From pageable host memory the source is staged at once (the caller may reuse it when
/// the call returns); into pageable host memory the call waits for the copy, as real CUDA does.
cudaError_t enqueue_copy(Machine& m, std::unique_lock<std::mutex>& lock, CUstream_st& stream, void* target,
                         const void* source, std::size_t bytes, bool pageable_source, bool pageable_target) {
  Device& owner = *m.device(stream.device);
  if (owner.sticky) return returned(owner.sticky);
  ++owner.stats.copies;
  std::shared_ptr<std::vector<std::byte>> staged;
  if (pageable_source) {
    const auto* from = static_cast<const std::byte*>(source);
    staged = std::make_shared<std::vector<std::byte>>(from, from + bytes);
  }
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::vector<Range> touches{{static_cast<const std::byte*>(target), bytes}};
  if (!pageable_source) touches.push_back({static_cast<const std::byte*>(source), bytes});
  m.enqueue(stream, Op{[target, source, bytes, staged, done] {
                         std::memcpy(target, staged ? staged->data() : source, bytes);
                         done->store(true);
                         return true;
                       },
                       std::move(touches), nullptr});
  if (pageable_target) m.wait_until(lock, stream.device, &stream, [done] { return done->load(); });
  return returned(owner.sticky);
}

/// Frees a block that cudaFree or cudaFreeHost was given, once the device has synchronised.
void free_block(Machine& m, const std::byte* start, const Allocation& block, const char* call) {
  m.check_unused(start, block.size, nullptr, call);
  if (Device* owner = m.device(block.device); owner && block.kind == Allocation::Kind::device) {
    owner->plain_used -= block.size;
  }
  m.allocations.erase(start);
  delete[] start;
}

}  // namespace

extern "C" {

cudaError_t cudaMalloc(void** pointer, std::size_t bytes) {
  Machine& m = machine();
  std::unique_lock lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaMalloc")) return returned(failed);
  const int index = this_thread().current_device;
  Device* device = m.device(index);
  if (!device) return returned(cudaErrorInvalidDevice);
  if (device->sticky) return returned(device->sticky);
  if (m.allocation_synchronizes) m.synchronize_device(lock, index, "cudaMalloc", true);
  if (device->plain_used + device->pool.reserved + bytes > device->spec.memory) {
    ++device->stats.failed_allocations;
    return returned(cudaErrorMemoryAllocation);
  }
  std::byte* block = new_block(bytes);
  if (!block) return returned(cudaErrorMemoryAllocation);
  device->plain_used += bytes;
  m.allocations[block] = Allocation{Allocation::Kind::device, index, bytes};
  *pointer = block;
  return cudaSuccess;
}

cudaError_t cudaFree(void* pointer) {
  Machine& m = machine();
  std::unique_lock lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaFree")) return returned(failed);
  if (pointer == nullptr) return cudaSuccess;
  const std::byte* start = nullptr;
  const Allocation* block = m.allocation_at(pointer, &start);
  if (!block || block->kind == Allocation::Kind::pinned || start != pointer) {
    m.violation("cudaFree of memory that cudaMalloc or a pool did not hand out");
    return returned(cudaErrorInvalidValue);
  }
  const int device = block->device;
  if (cudaError_t sticky = m.device(device)->sticky) return returned(sticky);
  m.synchronize_device(lock, device, "cudaFree", true);
  block = m.allocation_at(pointer, &start);
  if (block->kind == Allocation::Kind::pool) Machine::keep_freed(m.device(device)->pool, block->size);
  free_block(m, start, *block, "cudaFree");
  return cudaSuccess;
}

cudaError_t cudaMallocHost(void** pointer, std::size_t bytes) {
  Machine& m = machine();
  std::unique_lock lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaMallocHost")) return returned(failed);
  if (m.allocation_synchronizes) m.synchronize_device(lock, this_thread().current_device, "cudaMallocHost", true);
  std::byte* block = new_block(bytes);
  if (!block) return returned(cudaErrorMemoryAllocation);
  m.allocations[block] = Allocation{Allocation::Kind::pinned, this_thread().current_device, bytes};
  *pointer = block;
  return cudaSuccess;
}

cudaError_t cudaFreeHost(void* pointer) {
  Machine& m = machine();
  std::unique_lock lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaFreeHost")) return returned(failed);
  if (pointer == nullptr) return cudaSuccess;
  const std::byte* start = nullptr;
  const Allocation* block = m.allocation_at(pointer, &start);
  if (!block || block->kind != Allocation::Kind::pinned || start != pointer) {
    m.violation("cudaFreeHost of memory that cudaMallocHost did not hand out");
    return returned(cudaErrorInvalidValue);
  }
  m.synchronize_device(lock, this_thread().current_device, "cudaFreeHost", true);
  block = m.allocation_at(pointer, &start);
  free_block(m, start, *block, "cudaFreeHost");
  return cudaSuccess;
}

cudaError_t cudaMallocFromPoolAsync(void** pointer, std::size_t bytes, cudaMemPool_t pool, cudaStream_t handle) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaMallocFromPoolAsync")) return returned(failed);
  CUstream_st* stream = m.stream(handle, this_thread().current_device, "cudaMallocFromPoolAsync");
  if (!stream || !pool || !m.device(pool->device) || &m.device(pool->device)->pool != pool) {
    if (stream) m.violation("cudaMallocFromPoolAsync from a handle that is no pool");
    return returned(cudaErrorInvalidResourceHandle);
  }
  Device& device = *m.device(pool->device);
  if (device.sticky) return returned(device.sticky);
  std::byte* block = pool_allocate(m, device, pool->device, bytes);
  if (!block) return returned(cudaErrorMemoryAllocation);
  *pointer = block;
  return cudaSuccess;
}

cudaError_t cudaMallocAsync(void** pointer, std::size_t bytes, cudaStream_t handle) {
  cudaMemPool_t pool = nullptr;
  {
    Machine& m = machine();
    std::lock_guard lock(m.mutex);
    CUstream_st* stream = m.stream(handle, this_thread().current_device, "cudaMallocAsync");
    if (!stream) return returned(cudaErrorInvalidResourceHandle);
    pool = &m.device(stream->device)->pool;
  }
  return cudaMallocFromPoolAsync(pointer, bytes, pool, handle);
}

cudaError_t cudaFreeAsync(void* pointer, cudaStream_t handle) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaFreeAsync")) return returned(failed);
  CUstream_st* stream = m.stream(handle, this_thread().current_device, "cudaFreeAsync");
  if (!stream) return returned(cudaErrorInvalidResourceHandle);
  const std::byte* start = nullptr;
  const Allocation* block = m.allocation_at(pointer, &start);
  if (!block || block->kind != Allocation::Kind::pool || start != pointer) {
    m.violation("cudaFreeAsync of memory that no pool handed out");
    return returned(cudaErrorInvalidValue);
  }
  Device& device = *m.device(block->device);
  if (device.sticky) return returned(device.sticky);
  // Stream order makes the bytes reusable by later allocations at once; the block itself goes when the stream gets
  // there, and work still pending on it (on other streams) is a violation then.
  Machine::keep_freed(device.pool, block->size);
  const std::size_t size = block->size;
  // Nothing queued on `stream` could order another stream's pending use of the block before this free.
  if (stream->ops.empty()) m.check_unused(start, size, nullptr, "cudaFreeAsync");
  m.allocations.erase(start);
  m.enqueue(*stream, Op{[&m, start, size, stream] {
                          std::lock_guard freed_lock(m.mutex);
                          m.check_unused(start, size, &stream->ops.front(), "cudaFreeAsync");
                          delete[] start;
                          return true;
                        },
                        {}, nullptr});
  return cudaSuccess;
}

cudaError_t cudaMemGetInfo(std::size_t* free, std::size_t* total) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaMemGetInfo")) return returned(failed);
  Device* device = m.device(this_thread().current_device);
  if (!device) return returned(cudaErrorInvalidDevice);
  if (device->sticky) return returned(device->sticky);
  *total = device->spec.memory;
  *free = device->spec.memory - device->plain_used - device->pool.reserved;
  return cudaSuccess;
}

cudaError_t cudaDeviceGetDefaultMemPool(cudaMemPool_t* pool, int index) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaDeviceGetDefaultMemPool")) return returned(failed);
  Device* device = m.device(index);
  if (!device) return returned(cudaErrorInvalidDevice);
  if (!device->spec.memory_pools) return returned(cudaErrorNotSupported);
  *pool = &device->pool;
  return cudaSuccess;
}

cudaError_t cudaMemPoolSetAttribute(cudaMemPool_t pool, cudaMemPoolAttr attribute, void* value) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaMemPoolSetAttribute")) return returned(failed);
  if (attribute != cudaMemPoolAttrReleaseThreshold) return returned(cudaErrorInvalidValue);
  pool->release_threshold = *static_cast<std::uint64_t*>(value);
  return cudaSuccess;
}

cudaError_t cudaMemPoolGetAttribute(cudaMemPool_t pool, cudaMemPoolAttr attribute, void* value) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaMemPoolGetAttribute")) return returned(failed);
  auto* out = static_cast<std::uint64_t*>(value);
  switch (attribute) {
    case cudaMemPoolAttrReleaseThreshold: *out = pool->release_threshold; break;
    case cudaMemPoolAttrReservedMemCurrent: *out = pool->reserved; break;
    case cudaMemPoolAttrReservedMemHigh: *out = pool->reserved_high; break;
    case cudaMemPoolAttrUsedMemCurrent: *out = pool->in_use; break;
    case cudaMemPoolAttrUsedMemHigh: *out = pool->in_use_high; break;
  }
  return cudaSuccess;
}

cudaError_t cudaMemPoolTrimTo(cudaMemPool_t pool, std::size_t min_bytes_to_keep) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaMemPoolTrimTo")) return returned(failed);
  Machine::shrink_pool(*pool, min_bytes_to_keep);
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* target, const void* source, std::size_t bytes, cudaMemcpyKind kind) {
  Machine& m = machine();
  std::unique_lock lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaMemcpy")) return returned(failed);
  if (kind == cudaMemcpyHostToDevice && !device_pointer(m, target, -1, "cudaMemcpy")) {
    return returned(cudaErrorInvalidValue);
  }
  if (kind == cudaMemcpyDeviceToHost && !device_pointer(m, source, -1, "cudaMemcpy")) {
    return returned(cudaErrorInvalidValue);
  }
  CUstream_st* stream = m.stream(nullptr, this_thread().current_device, "cudaMemcpy");
  if (!stream) return returned(cudaErrorInvalidDevice);
  return enqueue_copy(m, lock, *stream, target, source, bytes, true, true);
}

cudaError_t cudaMemcpyAsync(void* target, const void* source, std::size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t handle) {
  Machine& m = machine();
  std::unique_lock lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaMemcpyAsync")) return returned(failed);
  CUstream_st* stream = m.stream(handle, this_thread().current_device, "cudaMemcpyAsync");
  if (!stream) return returned(cudaErrorInvalidResourceHandle);
  const bool to_device = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
  const bool from_device = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
  if ((to_device && !device_pointer(m, target, -1, "cudaMemcpyAsync")) ||
      (from_device && !device_pointer(m, source, -1, "cudaMemcpyAsync"))) {
    return returned(cudaErrorInvalidValue);
  }
  const bool pageable_source = !from_device && !is_pinned(m, source);
  const bool pageable_target = !to_device && !is_pinned(m, target);
  return enqueue_copy(m, lock, *stream, target, source, bytes, pageable_source, pageable_target);
}

cudaError_t cudaMemcpyPeerAsync(void* target, int target_device, const void* source, int source_device,
                                std::size_t bytes, cudaStream_t handle) {
  Machine& m = machine();
  std::unique_lock lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaMemcpyPeerAsync")) return returned(failed);
  CUstream_st* stream = m.stream(handle, this_thread().current_device, "cudaMemcpyPeerAsync");
  if (!stream) return returned(cudaErrorInvalidResourceHandle);
  if (!device_pointer(m, target, target_device, "cudaMemcpyPeerAsync") ||
      !device_pointer(m, source, source_device, "cudaMemcpyPeerAsync")) {
    return returned(cudaErrorInvalidValue);
  }
  if (cudaError_t sticky = m.device(source_device)->sticky) return returned(sticky);
  return enqueue_copy(m, lock, *stream, target, source, bytes, false, false);
}

cudaError_t cudaMemsetAsync(void* target, int value, std::size_t bytes, cudaStream_t handle) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaMemsetAsync")) return returned(failed);
  CUstream_st* stream = m.stream(handle, this_thread().current_device, "cudaMemsetAsync");
  if (!stream) return returned(cudaErrorInvalidResourceHandle);
  if (!device_pointer(m, target, -1, "cudaMemsetAsync")) return returned(cudaErrorInvalidValue);
  if (cudaError_t sticky = m.device(stream->device)->sticky) return returned(sticky);
  m.enqueue(*stream, Op{[target, value, bytes] {
                          std::memset(target, value, bytes);
                          return true;
                        },
                        {{static_cast<const std::byte*>(target), bytes}}, nullptr});
  return cudaSuccess;
}

}  // extern "C"
