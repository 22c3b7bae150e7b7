// The memory system with real GPUs. Host replicas are pinned so transfers run at full bandwidth, from a pool that keeps
// freed pinned blocks (cudaFreeHost would wait for the whole device each time a buffer dies) and has a thread of its
// own free those it lets go, so that no caller of free_host ever waits for a device. Device memory comes
// stream-ordered from each device's default pool, which keeps freed memory for reuse instead of returning it to the
// driver on every synchronize; it gives that memory back when a task sets its gpu_memory aside (the body allocates
// it outside the pool) and before it retries an allocation that did not fit. A copy into a GPU task's replica is
// enqueued on the task's stream and marked with an event (copy_on_stream); every other copy (to the host,
// write-backs) is issued on an internal stream and waited for. GPUs from real_devices on are logical: their memory,
// copies among them and with the host are the host memory system's (src/store/host_memory_system.cpp), which this
// one owns and hands them to; only a copy between a logical GPU and a real one is issued here.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <vector>

#include "cuda_errors.hpp"
#include "device_scope.hpp"
#include "event_pool.hpp"
#include "hetsched/cuda/cuda_check.hpp"
#include "peer_access.hpp"
#include "store/block_pool.hpp"
#include "store/memory_system.hpp"
#include "store/release_thread.hpp"

namespace hetsched::detail {
namespace {

/// Pinned host memory kept for reuse once its replicas are gone, at most.
constexpr std::size_t pinned_keep_limit = std::size_t{1} << 30;

/// An internal stream; the mutex is held from issue to synchronize, so a caller waits for its own work only.
struct SerialStream {
  std::mutex mutex;
  cudaStream_t stream = nullptr;
};

/// Everything kept per real device. Transfers in each direction get their own stream so an upload and a download
/// overlap; allocation gets one so it never waits behind a large copy.
struct RealDevice {
  SerialStream allocation;
  SerialStream to_device;
  SerialStream from_device;
  cudaMemPool_t pool = nullptr;
  /// False on the rare platform without stream-ordered allocation; plain cudaMalloc and cudaFree stand in there.
  bool has_pools = false;
  /// Without pools only: calls cudaFree, which waits for every stream of the device, off the thread that frees (it
  /// may be the progress thread, dropping a buffer's last reference as a task completes).
  std::unique_ptr<ReleaseThread> plain_release;
  /// Replica events given back, for reuse.
  EventPool events;
};

class CudaMemorySystem final : public MemorySystem {
 public:
  explicit CudaMemorySystem(int real_devices) : devices_(static_cast<std::size_t>(real_devices)) {
    try {
      for (int device = 0; device < real_devices; ++device) prepare(device);
      enable_peer_access(real_devices);  // copies between GPUs go direct where the hardware allows
    } catch (...) {
      release();
      throw;
    }
  }

  ~CudaMemorySystem() override { release(); }

  CudaMemorySystem(const CudaMemorySystem&) = delete;
  CudaMemorySystem& operator=(const CudaMemorySystem&) = delete;

  std::byte* allocate_host(std::size_t bytes) override { return pinned_.take(bytes); }

  void free_host(std::byte* memory, std::size_t) noexcept override { pinned_.give_back(memory); }

  std::byte* allocate_device(int device, std::size_t bytes) override {
    if (!is_real(device)) return logical_->allocate_device(device, bytes);
    RealDevice& real = device_state(device);
    DeviceScope scope(device);
    // Zero bytes still get an address of their own: null means "the device is full" to the caller.
    const std::size_t size = std::max<std::size_t>(bytes, 1);
    void* memory = nullptr;
    if (!real.has_pools) {
      cudaError_t status = cudaMalloc(&memory, size);
      if (status == cudaErrorMemoryAllocation) {  // what was handed to the release thread may be what is missing
        clear_if_failed(status);
        real.plain_release->wait_until_idle();
        status = cudaMalloc(&memory, size);
      }
      return status == cudaSuccess ? static_cast<std::byte*>(memory) : null_if_full(status, "cudaMalloc");
    }
    std::lock_guard lock(real.allocation.mutex);
    cudaError_t status = cudaMallocFromPoolAsync(&memory, size, real.pool, real.allocation.stream);
    if (status == cudaErrorMemoryAllocation) {
      // The pool may keep enough free memory, but in pieces too small for this request (or freed and not yet seen
      // complete): once it has given them back to the device, the request may fit in one piece.
      clear_if_failed(status);
      trim_pool(real, 0);
      status = cudaMallocFromPoolAsync(&memory, size, real.pool, real.allocation.stream);
    }
    if (status != cudaSuccess) return null_if_full(status, "cudaMallocFromPoolAsync");
    // Stream-ordered memory is usable from other streams only once the allocation itself has completed.
    HETSCHED_CUDA_CHECK(cudaStreamSynchronize(real.allocation.stream));
    return static_cast<std::byte*>(memory);
  }

  void free_device(int device, std::byte* memory, std::size_t bytes) noexcept override {
    if (!is_real(device)) {
      logical_->free_device(device, memory, bytes);
      return;
    }
    RealDevice& real = device_state(device);
    if (!real.has_pools) {
      real.plain_release->hand_over(memory);
      return;
    }
    try {
      DeviceScope scope(device);
      // No lock: the free is only enqueued, and stream order already puts it before any later allocation.
      clear_if_failed(cudaFreeAsync(memory, real.allocation.stream));
    } catch (...) {
      // The device could not be made current (its context is gone); the memory went with it.
    }
  }

  void trim(int device, std::size_t keep) noexcept override {
    if (!is_real(device)) {
      logical_->trim(device, keep);
      return;
    }
    RealDevice& real = device_state(device);
    if (!real.has_pools) return;  // cudaFree gave the memory back already
    try {
      DeviceScope scope(device);
      std::lock_guard lock(real.allocation.mutex);
      trim_pool(real, keep);
    } catch (...) {
      // The device could not be made current (its context is gone); its memory went with it.
    }
  }

  void copy(MemoryNode to, std::byte* target, MemoryNode from, const std::byte* source, std::size_t bytes) override {
    if (bytes == 0) return;
    if (!is_real(to) && !is_real(from)) {
      logical_->copy(to, target, from, source, bytes);  // host memory on both sides (pinned or not)
    } else if (!is_real(from)) {
      // Host (or logical GPU) to a real GPU.
      copy_on(to, device_state(to).to_device, target, source, bytes, cudaMemcpyHostToDevice);
    } else if (!is_real(to)) {
      copy_on(from, device_state(from).from_device, target, source, bytes, cudaMemcpyDeviceToHost);
    } else if (to == from) {
      copy_on(from, device_state(from).from_device, target, source, bytes, cudaMemcpyDeviceToDevice);
    } else {
      SerialStream& outbound = device_state(from).from_device;
      DeviceScope scope(from);
      std::lock_guard lock(outbound.mutex);
      HETSCHED_CUDA_CHECK(cudaMemcpyPeerAsync(target, to, source, from, bytes, outbound.stream));
      HETSCHED_CUDA_CHECK(cudaStreamSynchronize(outbound.stream));
    }
  }

  void copy_on_stream(int to, std::byte* target, MemoryNode from, const std::byte* source, std::size_t bytes,
                      CUstream_st* stream, CUevent_st* source_ready, CUevent_st*& target_ready) override {
    if (!is_real(to)) {  // a logical GPU has no stream: the copy is done when this returns, and nothing waits
      host_wait(source_ready);
      copy(to, target, from, source, bytes);
      return;
    }
    DeviceScope scope(to);
    if (source_ready != nullptr) HETSCHED_CUDA_CHECK(cudaStreamWaitEvent(stream, source_ready, 0));
    if (bytes != 0) {
      if (is_real(from)) {
        HETSCHED_CUDA_CHECK(cudaMemcpyPeerAsync(target, to, source, from, bytes, stream));
      } else {  // pinned host memory (or a logical GPU's): asynchronous for the former, staged for the latter
        HETSCHED_CUDA_CHECK(cudaMemcpyAsync(target, source, bytes, cudaMemcpyHostToDevice, stream));
      }
    }
    if (target_ready == nullptr) target_ready = device_state(to).events.take();
    HETSCHED_CUDA_CHECK(cudaEventRecord(target_ready, stream));
  }

  void stream_wait(CUstream_st* stream, CUevent_st* ready) override {
    if (ready == nullptr) return;
    save_pending_launch_error();  // no DeviceScope here: keep a body's launch error from a failure's cleanup
    HETSCHED_CUDA_CHECK(cudaStreamWaitEvent(stream, ready, 0));
  }

  void host_wait(CUevent_st* ready) override {
    if (ready == nullptr) return;
    save_pending_launch_error();
    HETSCHED_CUDA_CHECK(cudaEventSynchronize(ready));
  }

  void release_event(int device, CUevent_st* ready) noexcept override {
    if (!is_real(device)) {
      logical_->release_event(device, ready);
    } else if (ready != nullptr) {
      device_state(device).events.give_back(ready);
    }
  }


 private:
  bool is_real(MemoryNode node) const noexcept { return node >= 0 && static_cast<std::size_t>(node) < devices_.size(); }

  RealDevice& device_state(int device) noexcept { return devices_[static_cast<std::size_t>(device)]; }

  /// Creates the internal streams of `device` and makes its default pool keep freed memory.
  void prepare(int device) {
    RealDevice& real = device_state(device);
    DeviceScope scope(device);
    for (SerialStream* serial : {&real.allocation, &real.to_device, &real.from_device}) {
      HETSCHED_CUDA_CHECK(cudaStreamCreateWithFlags(&serial->stream, cudaStreamNonBlocking));
    }
    int has_pools = 0;
    HETSCHED_CUDA_CHECK(cudaDeviceGetAttribute(&has_pools, cudaDevAttrMemoryPoolsSupported, device));
    real.has_pools = has_pools != 0;
    if (!real.has_pools) {
      real.plain_release = std::make_unique<ReleaseThread>([device](std::byte* memory) { free_plain(device, memory); });
      return;
    }
    HETSCHED_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&real.pool, device));
    // The default threshold (0) hands freed memory back to the driver at every synchronize, which would turn each
    // allocation after an eviction into a driver call.
    std::uint64_t keep_everything = UINT64_MAX;
    HETSCHED_CUDA_CHECK(cudaMemPoolSetAttribute(real.pool, cudaMemPoolAttrReleaseThreshold, &keep_everything));
  }

  /// Issues one copy on `serial` (a stream of `device`) and waits for it.
  static void copy_on(int device, SerialStream& serial, void* target, const void* source, std::size_t bytes,
                      cudaMemcpyKind kind) {
    DeviceScope scope(device);
    std::lock_guard lock(serial.mutex);
    HETSCHED_CUDA_CHECK(cudaMemcpyAsync(target, source, bytes, kind, serial.stream));
    HETSCHED_CUDA_CHECK(cudaStreamSynchronize(serial.stream));
  }

  /// Gives the memory `real`'s pool keeps beyond `keep` bytes back to the device; its allocation mutex is held and
  /// it is current. The frees enqueued on the allocation stream complete first: until the host has seen them
  /// complete, the pool may count their memory as in use. A failure leaves the pool as it was (it is only a trim).
  static void trim_pool(RealDevice& real, std::size_t keep) noexcept {
    if (clear_if_failed(cudaStreamSynchronize(real.allocation.stream))) clear_if_failed(cudaMemPoolTrimTo(real.pool, keep));
  }

  /// Null when `status` says the device is full (the caller evicts and retries); any other failure throws.
  static std::byte* null_if_full(cudaError_t status, const char* call) {
    if (status != cudaErrorMemoryAllocation) throw_cuda_error(status, call, __FILE__, __LINE__);
    clear_if_failed(status);
    return nullptr;
  }

  /// Waits for pending frees, destroys the streams and gives the pools' unused memory back to the driver (the next
  /// runtime in this process, or the application's own cudaMalloc, may need it).
  void release() noexcept {
    for (std::size_t index = 0; index < devices_.size(); ++index) {
      RealDevice& real = devices_[index];
      real.plain_release.reset();  // frees what was handed over to it
      try {
        DeviceScope scope(static_cast<int>(index));
        for (SerialStream* serial : {&real.allocation, &real.to_device, &real.from_device}) {
          if (serial->stream == nullptr) continue;
          clear_if_failed(cudaStreamSynchronize(serial->stream));
          clear_if_failed(cudaStreamDestroy(serial->stream));
          serial->stream = nullptr;
        }
        real.events.destroy_all();
        if (real.pool != nullptr) clear_if_failed(cudaMemPoolTrimTo(real.pool, 0));
      } catch (...) {
        // The device could not be made current; its context, streams included, is beyond repair.
      }
    }
  }

  /// Pinned memory is portable across devices under unified addressing, so no device needs to be current. When
  /// there is none, the blocks handed to the release thread may be what is missing: once they are freed, it is tried
  /// once more.
  std::byte* allocate_pinned(std::size_t bytes) {
    void* memory = nullptr;
    if (clear_if_failed(cudaMallocHost(&memory, bytes))) return static_cast<std::byte*>(memory);
    pinned_release_.wait_until_idle();
    if (clear_if_failed(cudaMallocHost(&memory, bytes))) return static_cast<std::byte*>(memory);
    throw std::bad_alloc();
  }

  /// Frees device memory from cudaMalloc on the release thread of `device`.
  static void free_plain(int device, std::byte* memory) noexcept {
    try {
      DeviceScope scope(device);
      clear_if_failed(cudaFree(memory));
    } catch (...) {
      // The device could not be made current (its context is gone); the memory went with it.
    }
  }

  static void free_pinned(std::byte* memory) noexcept {
    clear_if_failed(cudaFreeHost(memory));
  }

  std::vector<RealDevice> devices_;
  /// The logical GPUs' memory and the copies among them and with the host.
  std::unique_ptr<MemorySystem> logical_ = make_host_memory_system(false);  // host replicas are pinned_'s
  /// Frees the pinned blocks the pool lets go: cudaFreeHost waits for the whole device, and free_host may run on the
  /// progress thread (a buffer's last reference dropped as its task completes), which must never wait for a device.
  /// Declared before the pool, so that it outlives it and frees what the pool lets go when it is destroyed.
  ReleaseThread pinned_release_{free_pinned};
  /// Host replicas: pinned blocks kept for reuse (see store/block_pool.hpp for why).
  BlockPool pinned_{[this](std::size_t bytes) { return allocate_pinned(bytes); },
                    [this](std::byte* block) { pinned_release_.hand_over(block); }, pinned_keep_limit};
};

}  // namespace

std::unique_ptr<MemorySystem> make_memory_system(int real_devices, int devices) {
  if (real_devices == 0) return make_host_memory_system(devices > 0);
  return std::make_unique<CudaMemorySystem>(real_devices);
}

}  // namespace hetsched::detail
