#include "peer_access.hpp"

#include <cuda_runtime_api.h>

#include <exception>

#include "cuda_errors.hpp"
#include "device_scope.hpp"

namespace hetsched::detail {

int enable_peer_access(int devices) noexcept {
  int enabled = 0;
  for (int device = 0; device < devices; ++device) {
    try {
      DeviceScope scope(device);  // peer access is enabled from the current device's context
      for (int peer = 0; peer < devices; ++peer) {
        int can_access = 0;
        if (peer == device || !clear_if_failed(cudaDeviceCanAccessPeer(&can_access, device, peer)) || !can_access) {
          continue;
        }
        const cudaError_t status = cudaDeviceEnablePeerAccess(peer, 0);
        if (status == cudaSuccess || status == cudaErrorPeerAccessAlreadyEnabled) ++enabled;
        // Already enabled is no failure; any other failure (too many peers) leaves this pair staged. Either way the
        // error must not surface in a later, unrelated call.
        clear_if_failed(status);
      }
    } catch (const std::exception&) {
      // The device could not be made current: its copies stay staged, and its own calls will report the failure.
    }
  }
  return enabled;
}

}  // namespace hetsched::detail
