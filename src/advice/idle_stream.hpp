// A GPU mistake: a GPU task whose body launches its work on the legacy default stream (kernel<<<grid, block>>>
// without a stream, cudaMemcpy, a library handle never given ctx.stream()) instead of ctx.stream(). The runtime then
// publishes the result when the task's stream is done, which it is at once, while the real work still runs (or the
// body waited for the whole device, holding its CPU and GPU share). Checked on a sample of GPU tasks right after the
// body returns, through the CUDA runtime: the task's stream has nothing left to do while the default stream of its
// device is still busy. A body that waits for the default stream itself (cudaDeviceSynchronize) leaves no such
// trace and is not reported.
#pragma once

#include <atomic>
#include <cstdint>

namespace hetsched::detail {

/// What a sampled GPU body left behind on its device (StreamUse from the GPU layer).
struct StreamFacts {
  bool task_stream_busy = false;     ///< The task's stream still had work queued or running.
  bool default_stream_busy = false;  ///< The device's legacy default stream still had work queued or running.
};

/// Whether the facts show work that went to the default stream instead of the task's.
inline bool work_went_off_stream(const StreamFacts& facts) noexcept {
  return !facts.task_stream_busy && facts.default_stream_busy;
}

/// Samples GPU bodies and counts those whose work went to the default stream.
class IdleStreams {
 public:
  /// The first this many GPU bodies are all checked, then one in `sample_every`.
  static constexpr std::uint32_t always_checked = 64;
  /// See always_checked.
  static constexpr std::uint32_t sample_every = 16;
  /// Bodies seen working off their stream that make the pattern.
  static constexpr std::uint32_t threshold = 2;

  /// Whether to check the GPU body about to run.
  bool sample() noexcept;
  /// What a checked body left. True the time it completes the pattern.
  bool checked(const StreamFacts& facts) noexcept;

 private:
  std::atomic<std::uint32_t> bodies_{0};
  std::atomic<std::uint32_t> off_stream_{0};
};

}  // namespace hetsched::detail
