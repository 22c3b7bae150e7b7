/// @file peer_access.hpp
/// @brief Letting each pair of GPUs that can reach each other's memory do so directly.
#pragma once

namespace hetsched::detail {

/// Enables peer access from every device in 0..devices-1 to every other one that cudaDeviceCanAccessPeer allows, so
/// device-to-device copies (cudaMemcpyPeerAsync) go over NVLink or PCIe directly instead of through host memory.
/// Peer access lasts as long as the devices' contexts: a pair already enabled (by an earlier Runtime, or by the
/// application) is left as it is. A pair whose enabling fails is left staged through the host, which is slower but
/// correct. Returns how many ordered pairs can now access each other. Restores the caller's current device.
int enable_peer_access(int devices) noexcept;

}  // namespace hetsched::detail
