// The simulated machine's state and its device threads (see machine.hpp).
#include "machine.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <numeric>
#include <random>

namespace hetsched::sim::detail {

ThreadState& this_thread() {
  thread_local ThreadState state;
  return state;
}

cudaError_t enter(Machine& machine, const char* call) {
  if (this_thread().in_host_function) machine.violation(std::string(call) + " called from a host function");
  return machine.injected(call);
}

Machine& Machine::instance() {
  static Machine* machine = new Machine();  // never destroyed: device threads may outlive static destructors' order
  return *machine;
}

Machine::Machine() { reset(MachineSpec{}); }

void Machine::stop() {
  {
    std::lock_guard lock(mutex);
    stopping_ = true;
  }
  changed.notify_all();
  for (auto& device : devices) {
    if (device->thread.joinable()) device->thread.join();
  }
}

void Machine::reset(MachineSpec spec) {
  stop();
  std::lock_guard lock(mutex);
  for (auto& [start, block] : allocations) delete[] start;
  allocations.clear();
  devices.clear();
  violations.clear();
  syncs.clear();
  failures.clear();
  kernel_images = std::move(spec.kernel_images);
  hand_driven = spec.hand_driven;
  allocation_synchronizes = spec.allocation_synchronizes;
  stopping_ = false;
  for (std::size_t index = 0; index < spec.devices.size(); ++index) {
    auto device = std::make_unique<Device>();
    device->spec = spec.devices[index];
    device->pool.device = static_cast<int>(index);
    device->pool.fragmenting = device->spec.fragmenting_pool;
    auto null_stream = std::make_unique<CUstream_st>();
    null_stream->device = static_cast<int>(index);
    device->streams.push_back(std::move(null_stream));
    devices.push_back(std::move(device));
  }
  if (!hand_driven) {
    for (std::size_t index = 0; index < devices.size(); ++index) {
      devices[index]->thread = std::thread([this, index] { run_device(static_cast<int>(index)); });
    }
  }
}

void Machine::violation(const std::string& what) {
  std::fprintf(stderr, "simulated CUDA violation: %s\n", what.c_str());
  violations.push_back(what);
}

Device* Machine::device(int index) noexcept {
  if (index < 0 || static_cast<std::size_t>(index) >= devices.size()) return nullptr;
  return devices[static_cast<std::size_t>(index)].get();
}

CUstream_st* Machine::stream(cudaStream_t handle, int current_device, const char* call) {
  if (handle == nullptr || handle == cudaStreamLegacy || handle == cudaStreamPerThread) {
    Device* current = device(current_device);
    return current ? current->streams.front().get() : nullptr;
  }
  for (auto& owner : devices) {
    for (auto& candidate : owner->streams) {
      if (candidate.get() != handle) continue;
      if (candidate->destroyed) {
        violation(std::string(call) + " on a stream already destroyed");
        return nullptr;
      }
      return candidate.get();
    }
  }
  violation(std::string(call) + " on a handle that is no stream");
  return nullptr;
}

CUevent_st* Machine::event(cudaEvent_t handle, const char* call) {
  for (auto& owner : devices) {
    for (auto& candidate : owner->events) {
      if (candidate.get() != handle) continue;
      if (candidate->destroyed) {
        violation(std::string(call) + " on an event already destroyed (a stale handle: CUDA may have reused it)");
        return nullptr;
      }
      return candidate.get();
    }
  }
  violation(std::string(call) + " on a handle that is no event");
  return nullptr;
}

const Allocation* Machine::allocation_at(const void* pointer, const std::byte** start) const {
  const auto* byte = static_cast<const std::byte*>(pointer);
  auto after = allocations.upper_bound(byte);
  if (after == allocations.begin()) return nullptr;
  --after;
  if (byte >= after->first + std::max<std::size_t>(after->second.size, 1)) return nullptr;
  if (start) *start = after->first;
  return &after->second;
}

void Machine::enqueue(CUstream_st& stream, Op op) {
  stream.ops.push_back(std::move(op));
  changed.notify_all();
}

void Machine::drop_work(Device& broken) {
  for (auto& stream : broken.streams) stream->ops.clear();
  changed.notify_all();
}

void Machine::run_device(int index) {
  std::mt19937 random(static_cast<unsigned>(12345 + index));
  std::vector<std::size_t> order;
  std::unique_lock lock(mutex);
  Device& self = *devices[static_cast<std::size_t>(index)];
  while (!stopping_) {
    if (self.sticky != cudaSuccess) drop_work(self);
    // Like a GPU, no order between streams: each pass visits them in a random order, one step of each.
    order.resize(self.streams.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::shuffle(order.begin(), order.end(), random);
    bool progressed = false;
    for (std::size_t position : order) {
      CUstream_st& stream = *self.streams[position];
      if (stream.ops.empty() || self.sticky != cudaSuccess) continue;
      Op& op = stream.ops.front();  // stays valid: others only push_back, and only this thread pops
      lock.unlock();
      const bool done = op.run();
      lock.lock();
      if (!done || self.sticky != cudaSuccess) continue;
      stream.ops.pop_front();
      progressed = true;
      changed.notify_all();
    }
    // Steps waiting for something outside (another device's event, the clock, a gate) are tried again soon.
    if (!progressed) changed.wait_for(lock, std::chrono::microseconds(200));
  }
}

bool Machine::drain(std::unique_lock<std::mutex>& lock, CUstream_st& stream) {
  Device& owner = *device(stream.device);
  while (!stream.ops.empty()) {
    if (owner.sticky != cudaSuccess) {
      drop_work(owner);
      return true;
    }
    Op& op = stream.ops.front();
    lock.unlock();
    const bool done = op.run();
    lock.lock();
    if (owner.sticky != cudaSuccess) continue;
    if (!done) return false;
    stream.ops.pop_front();
    changed.notify_all();
  }
  return true;
}

bool Machine::settle(std::unique_lock<std::mutex>& lock, CUstream_st& stream, int depth) {
  for (int attempt = 0; attempt < 100000; ++attempt) {
    if (drain(lock, stream)) return true;
    const Op& blocked = stream.ops.front();
    if (blocked.waits_for && blocked.waits_for->last_stream && blocked.waits_for->last_stream != &stream &&
        depth < 64 && !blocked.waits_for->last_stream->ops.empty()) {
      if (!settle(lock, *blocked.waits_for->last_stream, depth + 1)) return false;
      continue;
    }
    // A kernel waiting for the clock or a gate: let the test's other threads move.
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::microseconds(50));
    lock.lock();
  }
  violation("a host wait on a hand-driven device would never end (its stream's work cannot proceed)");
  return false;
}

bool Machine::wait_until(std::unique_lock<std::mutex>& lock, int index, CUstream_st* focus,
                         const std::function<bool()>& reached) {
  Device& owner = *device(index);
  if (reached() || owner.sticky != cudaSuccess) return false;
  if (hand_driven) {
    if (focus) {
      settle(lock, *focus, 0);
    } else {
      for (std::size_t position = 0; position < owner.streams.size(); ++position) {
        settle(lock, *owner.streams[position], 0);
      }
    }
    if (!reached() && owner.sticky == cudaSuccess) violation("a host wait on a hand-driven device ended unreached");
    return true;
  }
  changed.wait(lock, [&] { return reached() || owner.sticky != cudaSuccess; });
  return true;
}

void Machine::synchronize_device(std::unique_lock<std::mutex>& lock, int index, const char* call, bool implicit) {
  Device* owner = device(index);
  if (!owner) return;
  if (implicit) syncs.push_back({call, index, std::this_thread::get_id()});
  wait_until(lock, index, nullptr, [owner] {
    return std::all_of(owner->streams.begin(), owner->streams.end(),
                       [](const auto& stream) { return stream->ops.empty(); });
  });
  release_pool_memory(*owner);
}

void Machine::release_pool_memory(Device& owner) {
  CUmemPoolHandle_st& pool = owner.pool;
  if (pool.reserved > pool.release_threshold) shrink_pool(pool, static_cast<std::size_t>(pool.release_threshold));
}

void Machine::shrink_pool(CUmemPoolHandle_st& pool, std::size_t keep) {
  if (pool.reserved <= keep) return;
  if (!pool.fragmenting) {
    pool.reserved = std::max(pool.in_use, keep);
    return;
  }
  while (!pool.pieces.empty() && pool.reserved > std::max(pool.in_use, keep)) {
    auto largest = std::prev(pool.pieces.end());
    pool.reserved -= *largest;
    pool.pieces.erase(largest);
  }
}

void Machine::keep_freed(CUmemPoolHandle_st& pool, std::size_t size) {
  pool.in_use -= size;
  if (pool.fragmenting) pool.pieces.insert(size);
}

void Machine::check_unused(const std::byte* begin, std::size_t size, const Op* except, const char* call) {
  const std::byte* end = begin + std::max<std::size_t>(size, 1);
  for (auto& owner : devices) {
    for (auto& stream : owner->streams) {
      for (const Op& op : stream->ops) {
        if (&op == except) continue;
        for (const Range& range : op.touches) {
          if (range.begin < end && begin < range.begin + std::max<std::size_t>(range.size, 1)) {
            violation(std::string(call) + " freed memory that queued device work still uses");
            return;
          }
        }
      }
    }
  }
}

cudaError_t Machine::injected(const char* call) {
  auto found = failures.find(call);
  if (found == failures.end()) return cudaSuccess;
  const cudaError_t error = found->second;
  failures.erase(found);
  return error;
}

bool Machine::has_image(int architecture) const {
  // SASS runs on devices of the same major version and an equal or higher minor version.
  return std::any_of(kernel_images.begin(), kernel_images.end(), [architecture](int image) {
    return image / 100 == architecture / 100 && image <= architecture;
  });
}

}  // namespace hetsched::sim::detail
