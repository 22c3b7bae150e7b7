// The test control API of the simulated CUDA runtime (tests/sim_cuda): configure the simulated machine (its devices,
// their memory, whether a device thread runs the streams or the test drives them by hand), launch simulated
// "kernels" on a stream, inject launch, call and sticky errors, and read what the simulation saw: violations (uses
// that real CUDA would reject or that would corrupt memory) and implicit device-wide synchronisations.
#pragma once

#include <cuda_runtime_api.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace hetsched::sim {

/// One simulated device.
struct DeviceSpec {
  std::string name = "Simulated GPU";
  /// Device memory: cudaMalloc and the pool's reserve together never exceed it (cudaErrorMemoryAllocation).
  std::size_t memory = std::size_t{1} << 30;
  int major = 9;
  int minor = 0;
  int multiprocessors = 132;
  /// Whether stream-ordered allocation (memory pools) is supported.
  bool memory_pools = true;
  /// The pool reuses the memory it keeps only in the pieces it was freed as: a request larger than every kept piece
  /// grows the reserve by its whole size (and fails when the device has no room for that), until a trim or a
  /// release at a synchronisation gives the pieces back to the device.
  bool fragmenting_pool = false;
};

/// The simulated machine.
struct MachineSpec {
  std::vector<DeviceSpec> devices{DeviceSpec{}};
  /// No device threads: work runs only when a test drains a stream, or inline when a host call must wait for it.
  bool hand_driven = false;
  /// Whether cudaMalloc and cudaMallocHost wait for every stream of the current device, as the CUDA programming
  /// guide allows them to (implicit synchronisation); cudaFree and cudaFreeHost always do.
  bool allocation_synchronizes = true;
  /// Compute capabilities (100 * major + 10 * minor) the simulated build has kernel images for.
  std::vector<int> kernel_images{800, 900};
};

/// Replaces the machine by a new one (every stream, event, allocation and count of the old one is gone). Only while
/// nothing uses the old one; the threads that call this keep their last error and current device (device 0 after).
void reset(MachineSpec spec);
/// A machine with `devices` default devices.
void reset(int devices, bool hand_driven = false);

/// The violations seen since the last reset or take_violations, one line each; clears them.
std::vector<std::string> take_violations();

/// Work on a stream: returns false while it must wait (it is tried again later).
using Step = std::function<bool()>;

/// A simulated kernel.
struct Kernel {
  /// What it does once it runs; empty: nothing.
  Step step;
  /// Memory it reads or writes, so that freeing it while the kernel is pending is a violation.
  std::vector<std::pair<const void*, std::size_t>> touches;
  /// Non-success: the launch itself fails with this (the thread's last error is set; nothing is enqueued).
  cudaError_t launch_error = cudaSuccess;
  /// Non-success: the kernel faults when it runs, a sticky error that breaks its device's context.
  cudaError_t fault = cudaSuccess;
};

/// Launches `kernel` on `stream` as `kernel<<<..., stream>>>` would: `stream` must belong to the current device
/// (else cudaErrorInvalidResourceHandle and a violation). Returns the launch status, which is also the thread's last
/// error when it is not success.
cudaError_t launch(cudaStream_t stream, Kernel kernel);
/// A kernel that runs `work` once `duration` has passed since the launch.
Kernel after(std::chrono::microseconds duration, std::function<void()> work = {});

/// A latch a kernel can wait for: the kernel's step returns false until a test opens it.
class Gate {
 public:
  Gate();
  /// Lets every kernel waiting for this gate finish.
  void open();
  /// A kernel that finishes once the gate is open.
  Kernel kernel() const;
  /// Whether open() was called.
  bool is_open() const;

 private:
  std::shared_ptr<std::atomic<bool>> open_;
};

/// Makes the next call of the runtime function `call` (e.g. "cudaMallocFromPoolAsync"), on any thread, fail with
/// `error` (setting the caller's last error as a real failure would).
void fail_next_call(const std::string& call, cudaError_t error);
/// Breaks device `device`'s context with sticky error `error`: pending work is dropped, no host function runs, and
/// every later call on the device fails with `error`.
void break_device(int device, cudaError_t error);

/// Hand-driven mode: runs `stream`'s queued work in order until none is left (true) or a step must wait (false).
bool drain(cudaStream_t stream);
/// Whether `stream` has work queued or running.
bool has_work(cudaStream_t stream);
/// The device `stream` was created on (-1 for a handle the simulation does not know).
int device_of(cudaStream_t stream);

/// An implicit device-wide synchronisation: a call that waited for every stream of `device`.
struct ImplicitSync {
  std::string call;
  int device = 0;
  std::thread::id thread;
};

/// What the simulation counted on one device.
struct DeviceStats {
  std::size_t memory_used = 0;     ///< cudaMalloc'd bytes plus the pool's reserve
  std::size_t pool_reserved = 0;   ///< bytes the pool holds (in use or kept for reuse)
  std::size_t pool_in_use = 0;     ///< bytes of the pool handed out
  int failed_allocations = 0;      ///< allocations refused with cudaErrorMemoryAllocation
  int event_waits = 0;             ///< cudaEventSynchronize calls that had to wait
  int stream_synchronizes = 0;     ///< cudaStreamSynchronize calls that had to wait
  int stream_waits = 0;            ///< cudaStreamWaitEvent calls on an event not yet reached
  int streams_created = 0;
  int events_created = 0;
  int kernels = 0;                 ///< kernels launched
  int copies = 0;                  ///< copies enqueued (every cudaMemcpy*)
};

/// The counts of `device`.
DeviceStats stats(int device);
/// Every implicit device-wide synchronisation since the last reset.
std::vector<ImplicitSync> implicit_syncs();
/// Bytes of pinned host memory that cudaMallocHost handed out and cudaFreeHost has not taken back.
std::size_t pinned_bytes();

}  // namespace hetsched::sim
