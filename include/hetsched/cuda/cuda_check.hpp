/// @file cuda_check.hpp
/// @brief HETSCHED_CUDA_CHECK: a failed CUDA runtime call becomes a hetsched::CudaError. Needs the CUDA headers.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "hetsched/error.hpp"

namespace hetsched {

/// A CUDA runtime call failed (a DeviceError: retried under max_retries); the message names the call, the file and
/// line, and the error's name.
class CudaError : public DeviceError {
 public:
  /// Creates the error for status `code` with a full message.
  CudaError(cudaError_t code, const std::string& message) : DeviceError(message), code_(code) {}
  /// The status the CUDA runtime returned.
  cudaError_t code() const noexcept { return code_; }

 private:
  cudaError_t code_;
};

namespace detail {

/// Clears the runtime's last error (so it cannot surface in an unrelated later call) and throws CudaError.
[[noreturn]] inline void throw_cuda_error(cudaError_t code, const char* call, const char* file, int line) {
  cudaGetLastError();
  throw CudaError(code, std::string(call) + " failed at " + file + ":" + std::to_string(line) + ": " +
                            cudaGetErrorName(code) + " (" + cudaGetErrorString(code) + ")");
}

/// Throws CudaError unless `code` is cudaSuccess.
inline void check_cuda(cudaError_t code, const char* call, const char* file, int line) {
  if (code != cudaSuccess) throw_cuda_error(code, call, file, line);
}

}  // namespace detail
}  // namespace hetsched

/// Evaluates a CUDA runtime call once and throws hetsched::CudaError naming the call, file:line and
/// cudaGetErrorName when it did not return cudaSuccess. Example: `HETSCHED_CUDA_CHECK(cudaSetDevice(0));`
#define HETSCHED_CUDA_CHECK(expr) ::hetsched::detail::check_cuda((expr), #expr, __FILE__, __LINE__)
