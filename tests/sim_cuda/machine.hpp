// The simulated machine behind tests/sim_cuda's CUDA runtime: devices with finite memory and a default memory pool,
// streams whose work (copies, simulated kernels, event records and waits, host functions, stream-ordered frees) runs
// in order on a device thread of each device (or, hand-driven, when a test or a host wait drains it), events, and
// the record of violations. Internal to tests/sim_cuda: runtime_api.cpp and control.cpp use it, tests use
// <sim_cuda/control.hpp>. One mutex guards all of it; a step runs without it.
#pragma once

#include <cuda_runtime_api.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sim_cuda/control.hpp"

namespace hetsched::sim::detail {

/// Memory a piece of work reads or writes.
struct Range {
  const std::byte* begin = nullptr;
  std::size_t size = 0;
};

/// One piece of work on a stream: `run` returns false while it must wait, and is tried again.
struct Op {
  std::function<bool()> run;
  std::vector<Range> touches;
  /// The event a wait waits for, so a hand-driven host wait can drain the stream that records it.
  CUevent_st* waits_for = nullptr;
};

}  // namespace hetsched::sim::detail

/// A simulated stream: the device it belongs to and its queued work, the front of which may be running.
struct CUstream_st {
  int device = 0;
  bool destroyed = false;
  std::deque<hetsched::sim::detail::Op> ops;
};

/// A simulated event: its device and how far its records have got (query and wait refer to the latest record).
struct CUevent_st {
  int device = 0;
  std::uint64_t recorded = 0;
  std::uint64_t reached = 0;
  CUstream_st* last_stream = nullptr;
  bool destroyed = false;
};

/// A device's default memory pool: the bytes it reserved from the device and those of them handed out.
struct CUmemPoolHandle_st {
  int device = 0;
  std::uint64_t release_threshold = 0;
  std::size_t reserved = 0;
  std::size_t in_use = 0;
  std::size_t reserved_high = 0;
  std::size_t in_use_high = 0;
  /// DeviceSpec::fragmenting_pool: the kept memory (reserved - in_use) as the pieces it was freed as.
  bool fragmenting = false;
  std::multiset<std::size_t> pieces;
};

namespace hetsched::sim::detail {

/// A block the simulation handed out.
struct Allocation {
  enum class Kind { device, pool, pinned };
  Kind kind = Kind::device;
  int device = 0;
  std::size_t size = 0;
};

struct Device {
  DeviceSpec spec;
  std::vector<std::unique_ptr<CUstream_st>> streams;  // the default (null) stream first
  std::vector<std::unique_ptr<CUevent_st>> events;
  CUmemPoolHandle_st pool;
  std::size_t plain_used = 0;  // cudaMalloc'd bytes
  cudaError_t sticky = cudaSuccess;
  DeviceStats stats;
  std::set<int> peers;  // devices whose memory this one may access (cudaDeviceEnablePeerAccess)
  std::thread thread;
};

/// The machine. Everything is guarded by `mutex`.
class Machine {
 public:
  /// The process's machine (one device, threaded, until a test resets it).
  static Machine& instance();

  void reset(MachineSpec spec);

  /// Records a violation and prints it at once (on stderr), so a failure is loud even when no test reads it.
  void violation(const std::string& what);

  Device* device(int index) noexcept;
  /// The stream `handle` stands for (null: the device's default stream); null when it is unknown or destroyed,
  /// which is recorded as a violation of `call`.
  CUstream_st* stream(cudaStream_t handle, int current_device, const char* call);
  /// The live event `handle` stands for; null (and a violation of `call`) when it is unknown or destroyed.
  CUevent_st* event(cudaEvent_t handle, const char* call);
  /// The allocation holding `pointer`, with its start; null when none does.
  const Allocation* allocation_at(const void* pointer, const std::byte** start = nullptr) const;

  /// Queues `op` on `stream` and wakes the device thread.
  void enqueue(CUstream_st& stream, Op op);
  /// Blocks until `reached()` holds (checked under the lock) or the device breaks; `lock` holds `mutex`. Hand-driven,
  /// it runs the work it waits for instead: every stream of `device`, or the stream `focus` and what it waits for.
  /// Returns whether it had to wait.
  bool wait_until(std::unique_lock<std::mutex>& lock, int device, CUstream_st* focus,
                  const std::function<bool()>& reached);
  /// Waits for every stream of `device` (an implicit synchronisation when `call` is one of the allocating calls).
  void synchronize_device(std::unique_lock<std::mutex>& lock, int device, const char* call, bool implicit);
  /// A host synchronisation on `device` passed: its pool gives back what it keeps above its release threshold.
  void release_pool_memory(Device& device);
  /// Gives back kept pool memory until the pool reserves at most max(`keep`, what is in use); a fragmenting pool
  /// gives back whole pieces, largest first.
  static void shrink_pool(CUmemPoolHandle_st& pool, std::size_t keep);
  /// The pool memory `size` bytes of a block freed now leave kept for reuse.
  static void keep_freed(CUmemPoolHandle_st& pool, std::size_t size);
  /// Checks that no pending work other than `except` touches [begin, begin + size) (it is being freed).
  void check_unused(const std::byte* begin, std::size_t size, const Op* except, const char* call);

  /// Hand-driven: runs `stream`'s work until none is left (true) or a step must wait (false); `lock` holds `mutex`.
  bool drain(std::unique_lock<std::mutex>& lock, CUstream_st& stream);
  /// The injected failure for `call`, if any (taken).
  cudaError_t injected(const char* call);
  /// Whether `device` has kernel code for compute capability `architecture` (100 * major + 10 * minor).
  bool has_image(int architecture) const;

  std::mutex mutex;
  std::condition_variable changed;  // notified whenever work is queued or finishes
  std::vector<std::unique_ptr<Device>> devices;
  std::map<const std::byte*, Allocation> allocations;
  std::vector<std::string> violations;
  std::vector<ImplicitSync> syncs;
  std::map<std::string, cudaError_t> failures;
  std::vector<int> kernel_images;
  bool hand_driven = false;
  bool allocation_synchronizes = true;

 private:
  Machine();
  void stop();
  void run_device(int index);
  /// Drops the work of a broken device and wakes its waiters.
  void drop_work(Device& device);
  bool settle(std::unique_lock<std::mutex>& lock, CUstream_st& stream, int depth);

  bool stopping_ = false;
};

/// Per-thread runtime state: the current device, the last error, and whether a host function is running here.
struct ThreadState {
  int current_device = 0;
  cudaError_t last_error = cudaSuccess;
  bool in_host_function = false;
};
ThreadState& this_thread();

/// `status` as a call returns it: a failure (but not cudaErrorNotReady, which is no error) becomes the thread's last
/// error, as every CUDA runtime call does.
inline cudaError_t returned(cudaError_t status) {
  if (status != cudaSuccess && status != cudaErrorNotReady) this_thread().last_error = status;
  return status;
}

/// The checks every call makes first, with `machine.mutex` held: no CUDA call from a host function (a violation),
/// and an injected failure, returned (success when none).
cudaError_t enter(Machine& machine, const char* call);

}  // namespace hetsched::sim::detail
