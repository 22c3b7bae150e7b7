/// @file store_stats.hpp
/// @brief StoreStats: what Runtime::store_stats() reports about the object store.
#pragma once

#include <cstddef>
#include <vector>

namespace hetsched {

/// Counters of the object store. The transfer counters count bytes the store itself copied between memory nodes
/// (on logical GPUs, between host memory and the host memory standing in for the device).
struct StoreStats {
  std::size_t objects = 0;                 ///< Objects alive now (pending ones included).
  std::size_t bytes = 0;                   ///< Bytes held by ready objects.
  std::size_t bytes_host_to_device = 0;    ///< Buffer bytes copied from host memory to a GPU.
  std::size_t bytes_device_to_host = 0;    ///< Buffer bytes copied from a GPU to host memory (write-backs included).
  std::size_t bytes_device_to_device = 0;  ///< Buffer bytes copied from one GPU to another.
  /// Seconds spent in host-to-device copies that the copying thread waited for, summed over copies running at once.
  /// A copy queued on a real GPU's stream is counted in the bytes above but not timed here (the host only queued
  /// it); on logical GPUs every copy is timed, so bytes over seconds is the rate the store's copies achieved.
  double copy_seconds_host_to_device = 0;
  double copy_seconds_device_to_host = 0;    ///< The same for device-to-host copies (write-backs included).
  double copy_seconds_device_to_device = 0;  ///< The same for device-to-device copies.
  std::size_t evictions = 0;               ///< Replicas dropped from a full GPU to make room.
  std::size_t write_backs = 0;             ///< Evicted replicas that were the only valid copy, saved to the host first.
  std::size_t host_budget = 0;             ///< The host budget (Config::object_store_bytes).
  std::size_t host_bytes = 0;              ///< Bytes counted against it now (objects in host memory).
  std::size_t spilled_bytes = 0;           ///< Bytes of objects on disk now (their size in memory).
  std::size_t spills = 0;                  ///< Objects written to disk to make room.
  std::size_t restores = 0;                ///< Spilled objects read back.
  std::size_t bytes_spilled = 0;           ///< Bytes written to spill files.
  std::size_t bytes_restored = 0;          ///< Bytes read back from spill files.
  std::size_t lost_objects = 0;            ///< Spilled objects that could not be read back (ObjectLostError).
  std::vector<std::size_t> device_bytes;   ///< Bytes of buffer replicas on each GPU now.
  std::vector<std::size_t> device_capacity;  ///< How many bytes of replicas each GPU may hold.
};

}  // namespace hetsched
