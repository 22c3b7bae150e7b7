// The simulated CUDA runtime, first half: errors, devices, streams, events and host functions, checked as strictly
// as real CUDA checks them (an event recorded on a stream of another device, a stale handle, a CUDA call from a host
// function are violations). Memory and copies are in memory_api.cpp.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "machine.hpp"

using hetsched::sim::detail::Device;
using hetsched::sim::detail::enter;
using hetsched::sim::detail::Machine;
using hetsched::sim::detail::Op;
using hetsched::sim::detail::returned;
using hetsched::sim::detail::this_thread;

namespace {

Machine& machine() { return Machine::instance(); }

/// The sticky error of `device`'s context, or success.
cudaError_t broken(Machine& m, int device) {
  Device* owner = m.device(device);
  return owner ? owner->sticky : cudaErrorInvalidDevice;
}

/// The sticky error of the current device's context, or success.
cudaError_t sticky_error(Machine& m) {
  Device* current = m.device(this_thread().current_device);
  return current ? current->sticky : cudaSuccess;
}

}  // namespace

extern "C" {

cudaError_t cudaGetLastError(void) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (this_thread().in_host_function) m.violation("cudaGetLastError called from a host function");
  const cudaError_t error = std::exchange(this_thread().last_error, cudaSuccess);
  return error != cudaSuccess ? error : sticky_error(m);  // a sticky error never clears
}

cudaError_t cudaPeekAtLastError(void) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  const cudaError_t error = this_thread().last_error;
  return error != cudaSuccess ? error : sticky_error(m);
}

const char* cudaGetErrorName(cudaError_t error) {
  switch (error) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInitializationError: return "cudaErrorInitializationError";
    case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
    case cudaErrorInvalidDevicePointer: return "cudaErrorInvalidDevicePointer";
    case cudaErrorInsufficientDriver: return "cudaErrorInsufficientDriver";
    case cudaErrorInvalidDeviceFunction: return "cudaErrorInvalidDeviceFunction";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorNoKernelImageForDevice: return "cudaErrorNoKernelImageForDevice";
    case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
    case cudaErrorNotReady: return "cudaErrorNotReady";
    case cudaErrorIllegalAddress: return "cudaErrorIllegalAddress";
    case cudaErrorLaunchOutOfResources: return "cudaErrorLaunchOutOfResources";
    case cudaErrorPeerAccessAlreadyEnabled: return "cudaErrorPeerAccessAlreadyEnabled";
    case cudaErrorPeerAccessNotEnabled: return "cudaErrorPeerAccessNotEnabled";
    case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
    case cudaErrorNotPermitted: return "cudaErrorNotPermitted";
    case cudaErrorNotSupported: return "cudaErrorNotSupported";
    case cudaErrorUnknown: return "cudaErrorUnknown";
  }
  return "cudaErrorUnknown";
}

const char* cudaGetErrorString(cudaError_t error) {
  return error == cudaSuccess ? "no error" : "simulated CUDA error";
}

cudaError_t cudaRuntimeGetVersion(int* version) {
  *version = 13000;
  return cudaSuccess;
}

cudaError_t cudaDriverGetVersion(int* version) {
  *version = 13000;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceCount(int* count) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaGetDeviceCount")) return returned(failed);
  *count = static_cast<int>(m.devices.size());
  return m.devices.empty() ? returned(cudaErrorNoDevice) : cudaSuccess;
}

cudaError_t cudaGetDevice(int* device) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaGetDevice")) return returned(failed);
  *device = this_thread().current_device;
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaSetDevice")) return returned(failed);
  if (!m.device(device)) return returned(cudaErrorInvalidDevice);
  this_thread().current_device = device;
  return returned(broken(m, device));
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* properties, int device) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaGetDeviceProperties")) return returned(failed);
  Device* owner = m.device(device);
  if (!owner) return returned(cudaErrorInvalidDevice);
  *properties = cudaDeviceProp{};
  std::snprintf(properties->name, sizeof properties->name, "%s", owner->spec.name.c_str());
  properties->totalGlobalMem = owner->spec.memory;
  properties->multiProcessorCount = owner->spec.multiprocessors;
  properties->major = owner->spec.major;
  properties->minor = owner->spec.minor;
  properties->pciBusID = device + 1;
  return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attribute, int device) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaDeviceGetAttribute")) return returned(failed);
  Device* owner = m.device(device);
  if (!owner) return returned(cudaErrorInvalidDevice);
  switch (attribute) {
    case cudaDevAttrMultiProcessorCount: *value = owner->spec.multiprocessors; break;
    case cudaDevAttrComputeCapabilityMajor: *value = owner->spec.major; break;
    case cudaDevAttrComputeCapabilityMinor: *value = owner->spec.minor; break;
    case cudaDevAttrMemoryPoolsSupported: *value = owner->spec.memory_pools ? 1 : 0; break;
    default: return returned(cudaErrorInvalidValue);
  }
  return cudaSuccess;
}

cudaError_t cudaDeviceGetPCIBusId(char* bus_id, int length, int device) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaDeviceGetPCIBusId")) return returned(failed);
  if (!m.device(device)) return returned(cudaErrorInvalidDevice);
  std::snprintf(bus_id, static_cast<std::size_t>(length), "0000:%02x:00.0", device + 1);
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize(void) {
  Machine& m = machine();
  std::unique_lock lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaDeviceSynchronize")) return returned(failed);
  const int device = this_thread().current_device;
  m.synchronize_device(lock, device, "cudaDeviceSynchronize", false);
  return returned(broken(m, device));
}

cudaError_t cudaDeviceCanAccessPeer(int* can_access, int device, int peer_device) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaDeviceCanAccessPeer")) return returned(failed);
  if (!m.device(device) || !m.device(peer_device)) return returned(cudaErrorInvalidDevice);
  *can_access = device != peer_device ? 1 : 0;
  return cudaSuccess;
}

cudaError_t cudaDeviceEnablePeerAccess(int peer_device, unsigned int) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaDeviceEnablePeerAccess")) return returned(failed);
  Device* owner = m.device(this_thread().current_device);
  if (!m.device(peer_device) || peer_device == this_thread().current_device) return returned(cudaErrorInvalidDevice);
  if (!owner->peers.insert(peer_device).second) return returned(cudaErrorPeerAccessAlreadyEnabled);
  return cudaSuccess;
}

cudaError_t cudaFuncGetAttributes(cudaFuncAttributes* attributes, const void*) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaFuncGetAttributes")) return returned(failed);
  Device* owner = m.device(this_thread().current_device);
  if (!owner) return returned(cudaErrorInvalidDevice);
  const int architecture = 100 * owner->spec.major + 10 * owner->spec.minor;
  if (!m.has_image(architecture)) return returned(cudaErrorNoKernelImageForDevice);
  *attributes = cudaFuncAttributes{architecture / 10, architecture / 10, 1024, 32};
  return cudaSuccess;
}

cudaError_t cudaStreamCreate(cudaStream_t* stream) { return cudaStreamCreateWithFlags(stream, cudaStreamDefault); }

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaStreamCreateWithFlags")) return returned(failed);
  const int device = this_thread().current_device;
  if (cudaError_t sticky = broken(m, device)) return returned(sticky);
  Device& owner = *m.device(device);
  owner.streams.push_back(std::make_unique<CUstream_st>());
  owner.streams.back()->device = device;
  ++owner.stats.streams_created;
  *stream = owner.streams.back().get();
  return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t handle) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaStreamDestroy")) return returned(failed);
  if (handle == nullptr) {
    m.violation("cudaStreamDestroy of the default stream");
    return returned(cudaErrorInvalidResourceHandle);
  }
  CUstream_st* stream = m.stream(handle, this_thread().current_device, "cudaStreamDestroy");
  if (!stream) return returned(cudaErrorInvalidResourceHandle);
  stream->destroyed = true;  // its queued work still runs
  return returned(broken(m, stream->device));
}

cudaError_t cudaStreamSynchronize(cudaStream_t handle) {
  Machine& m = machine();
  std::unique_lock lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaStreamSynchronize")) return returned(failed);
  CUstream_st* stream = m.stream(handle, this_thread().current_device, "cudaStreamSynchronize");
  if (!stream) return returned(cudaErrorInvalidResourceHandle);
  Device& owner = *m.device(stream->device);
  if (m.wait_until(lock, stream->device, stream, [stream] { return stream->ops.empty(); })) {
    ++owner.stats.stream_synchronizes;
  }
  m.release_pool_memory(owner);
  return returned(owner.sticky);
}

cudaError_t cudaStreamQuery(cudaStream_t handle) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaStreamQuery")) return returned(failed);
  CUstream_st* stream = m.stream(handle, this_thread().current_device, "cudaStreamQuery");
  if (!stream) return returned(cudaErrorInvalidResourceHandle);
  if (cudaError_t sticky = broken(m, stream->device)) return returned(sticky);
  return stream->ops.empty() ? cudaSuccess : cudaErrorNotReady;
}

cudaError_t cudaStreamWaitEvent(cudaStream_t handle, cudaEvent_t event_handle, unsigned int) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaStreamWaitEvent")) return returned(failed);
  CUstream_st* stream = m.stream(handle, this_thread().current_device, "cudaStreamWaitEvent");
  CUevent_st* event = m.event(event_handle, "cudaStreamWaitEvent");
  if (!stream || !event) return returned(cudaErrorInvalidResourceHandle);
  // Waiting for an event of another device is allowed; a broken stream device is not.
  if (cudaError_t sticky = broken(m, stream->device)) return returned(sticky);
  const std::uint64_t number = event->recorded;
  if (event->reached >= number) return cudaSuccess;
  ++m.device(stream->device)->stats.stream_waits;
  m.enqueue(*stream, Op{[&m, event, number] {
                          std::lock_guard reached_lock(m.mutex);
                          return event->reached >= number;
                        },
                        {}, event});
  return cudaSuccess;
}

cudaError_t cudaLaunchHostFunc(cudaStream_t handle, cudaHostFn_t function, void* user_data) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaLaunchHostFunc")) return returned(failed);
  CUstream_st* stream = m.stream(handle, this_thread().current_device, "cudaLaunchHostFunc");
  if (!stream) return returned(cudaErrorInvalidResourceHandle);
  if (cudaError_t sticky = broken(m, stream->device)) return returned(sticky);
  m.enqueue(*stream, Op{[function, user_data] {
                          this_thread().in_host_function = true;
                          function(user_data);
                          this_thread().in_host_function = false;
                          return true;
                        },
                        {}, nullptr});
  return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t* event) { return cudaEventCreateWithFlags(event, cudaEventDefault); }

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaEventCreateWithFlags")) return returned(failed);
  const int device = this_thread().current_device;
  if (cudaError_t sticky = broken(m, device)) return returned(sticky);
  Device& owner = *m.device(device);
  owner.events.push_back(std::make_unique<CUevent_st>());
  owner.events.back()->device = device;
  ++owner.stats.events_created;
  *event = owner.events.back().get();
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t handle) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaEventDestroy")) return returned(failed);
  CUevent_st* event = m.event(handle, "cudaEventDestroy");
  if (!event) return returned(cudaErrorInvalidResourceHandle);
  event->destroyed = true;  // kept, so that a later use of the stale handle is caught
  return returned(broken(m, event->device));
}

cudaError_t cudaEventRecord(cudaEvent_t event_handle, cudaStream_t handle) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaEventRecord")) return returned(failed);
  CUstream_st* stream = m.stream(handle, this_thread().current_device, "cudaEventRecord");
  CUevent_st* event = m.event(event_handle, "cudaEventRecord");
  if (!stream || !event) return returned(cudaErrorInvalidResourceHandle);
  if (event->device != stream->device) {
    m.violation("cudaEventRecord of an event of device " + std::to_string(event->device) + " on a stream of device " +
                std::to_string(stream->device));
    return returned(cudaErrorInvalidResourceHandle);
  }
  if (cudaError_t sticky = broken(m, stream->device)) return returned(sticky);
  const std::uint64_t number = ++event->recorded;
  event->last_stream = stream;
  m.enqueue(*stream, Op{[&m, event, number] {
                          std::lock_guard reached_lock(m.mutex);
                          event->reached = std::max(event->reached, number);
                          return true;
                        },
                        {}, nullptr});
  return cudaSuccess;
}

cudaError_t cudaEventQuery(cudaEvent_t handle) {
  Machine& m = machine();
  std::lock_guard lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaEventQuery")) return returned(failed);
  CUevent_st* event = m.event(handle, "cudaEventQuery");
  if (!event) return returned(cudaErrorInvalidResourceHandle);
  if (cudaError_t sticky = broken(m, event->device)) return returned(sticky);
  return event->reached >= event->recorded ? cudaSuccess : cudaErrorNotReady;
}

cudaError_t cudaEventSynchronize(cudaEvent_t handle) {
  Machine& m = machine();
  std::unique_lock lock(m.mutex);
  if (cudaError_t failed = enter(m, "cudaEventSynchronize")) return returned(failed);
  CUevent_st* event = m.event(handle, "cudaEventSynchronize");
  if (!event) return returned(cudaErrorInvalidResourceHandle);
  const std::uint64_t number = event->recorded;
  Device& owner = *m.device(event->device);
  if (m.wait_until(lock, event->device, event->last_stream, [event, number] { return event->reached >= number; })) {
    ++owner.stats.event_waits;
  }
  m.release_pool_memory(owner);
  return returned(owner.sticky);
}

}  // extern "C"
