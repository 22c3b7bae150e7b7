// The test control API of the simulated CUDA runtime (include/sim_cuda/control.hpp) over the machine of machine.hpp.
#include <chrono>
#include <string>
#include <utility>

#include "machine.hpp"

namespace hetsched::sim {

using detail::Device;
using detail::Machine;
using detail::Op;
using detail::Range;
using detail::returned;
using detail::this_thread;

void reset(MachineSpec spec) {
  Machine::instance().reset(std::move(spec));
  this_thread() = detail::ThreadState{};
}

void reset(int devices, bool hand_driven) {
  MachineSpec spec;
  spec.devices.assign(static_cast<std::size_t>(devices), DeviceSpec{});
  spec.hand_driven = hand_driven;
  reset(std::move(spec));
}

std::vector<std::string> take_violations() {
  Machine& m = Machine::instance();
  std::lock_guard lock(m.mutex);
  return std::exchange(m.violations, {});
}

cudaError_t launch(cudaStream_t handle, Kernel kernel) {
  Machine& m = Machine::instance();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = detail::enter(m, "kernel launch")) return returned(failed);
  if (kernel.launch_error != cudaSuccess) return returned(kernel.launch_error);
  const int current = this_thread().current_device;
  CUstream_st* stream = m.stream(handle, current, "a kernel launch");
  if (!stream) return returned(cudaErrorInvalidResourceHandle);
  if (stream->device != current) {
    m.violation("a kernel launched on a stream of device " + std::to_string(stream->device) + " while device " +
                std::to_string(current) + " is current");
    return returned(cudaErrorInvalidResourceHandle);
  }
  Device& device = *m.device(current);
  if (device.sticky) return returned(device.sticky);
  ++device.stats.kernels;
  std::vector<Range> touches;
  for (auto [pointer, bytes] : kernel.touches) touches.push_back({static_cast<const std::byte*>(pointer), bytes});
  const int index = current;
  m.enqueue(*stream, Op{[&m, index, step = std::move(kernel.step), fault = kernel.fault] {
                          if (step && !step()) return false;
                          if (fault != cudaSuccess) {
                            std::lock_guard fault_lock(m.mutex);
                            m.device(index)->sticky = fault;
                            m.changed.notify_all();
                          }
                          return true;
                        },
                        std::move(touches), nullptr});
  return cudaSuccess;
}

Kernel after(std::chrono::microseconds duration, std::function<void()> work) {
  Kernel kernel;
  kernel.step = [duration, work = std::move(work), start = std::chrono::steady_clock::now()] {
    if (std::chrono::steady_clock::now() - start < duration) return false;
    if (work) work();
    return true;
  };
  return kernel;
}

Gate::Gate() : open_(std::make_shared<std::atomic<bool>>(false)) {}

void Gate::open() { open_->store(true); }

bool Gate::is_open() const { return open_->load(); }

Kernel Gate::kernel() const {
  Kernel kernel;
  kernel.step = [open = open_] { return open->load(); };
  return kernel;
}

void fail_next_call(const std::string& call, cudaError_t error) {
  Machine& m = Machine::instance();
  std::lock_guard lock(m.mutex);
  m.failures[call] = error;
}

void break_device(int device, cudaError_t error) {
  Machine& m = Machine::instance();
  std::lock_guard lock(m.mutex);
  m.device(device)->sticky = error;
  m.changed.notify_all();
}

bool drain(cudaStream_t handle) {
  Machine& m = Machine::instance();
  std::unique_lock lock(m.mutex);
  CUstream_st* stream = m.stream(handle, this_thread().current_device, "sim::drain");
  return stream && m.drain(lock, *stream);
}

bool has_work(cudaStream_t handle) {
  Machine& m = Machine::instance();
  std::lock_guard lock(m.mutex);
  CUstream_st* stream = m.stream(handle, this_thread().current_device, "sim::has_work");
  return stream && !stream->ops.empty();
}

int device_of(cudaStream_t handle) {
  Machine& m = Machine::instance();
  std::lock_guard lock(m.mutex);
  CUstream_st* stream = m.stream(handle, this_thread().current_device, "sim::device_of");
  return stream ? stream->device : -1;
}

DeviceStats stats(int index) {
  Machine& m = Machine::instance();
  std::lock_guard lock(m.mutex);
  Device& device = *m.device(index);
  DeviceStats counted = device.stats;
  counted.memory_used = device.plain_used + device.pool.reserved;
  counted.pool_reserved = device.pool.reserved;
  counted.pool_in_use = device.pool.in_use;
  return counted;
}

std::vector<ImplicitSync> implicit_syncs() {
  Machine& m = Machine::instance();
  std::lock_guard lock(m.mutex);
  return m.syncs;
}

std::size_t pinned_bytes() {
  Machine& m = Machine::instance();
  std::lock_guard lock(m.mutex);
  std::size_t bytes = 0;
  for (const auto& [start, block] : m.allocations) {
    if (block.kind == detail::Allocation::Kind::pinned) bytes += block.size;
  }
  return bytes;
}

}  // namespace hetsched::sim
