// The second seed mistake (seeds/000, tip 2): task bodies shorter than what the runtime spends dispatching a task
// (about 1 us here, BENCHMARKS.md), so the overhead is most of the run. One body in `sample_every` on each thread is
// timed (a thread-local count decides; only a sampled body reads the clock and touches shared counters).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace hetsched::detail {

/// Counts sampled task bodies shorter than `tiny` in a row.
class TinyTasks {
 public:
  /// One body in this many is timed on each thread.
  static constexpr std::uint32_t sample_every = 16;
  /// A body shorter than this is tiny: a couple of times the runtime's own cost per task.
  static constexpr std::chrono::nanoseconds tiny{2000};
  /// Sampled tiny bodies in a row that make the pattern (about 4096 tasks), with no longer one among them.
  static constexpr std::uint32_t threshold = 256;

  /// Whether the body this thread is about to run is to be timed.
  static bool sample() noexcept;
  /// A sampled body took `took`. True for the sample that completes the pattern; `mean` is then the tiny samples'
  /// mean duration.
  bool timed(std::chrono::nanoseconds took, std::chrono::nanoseconds& mean) noexcept;

 private:
  std::atomic<std::uint32_t> in_a_row_{0};
  std::atomic<std::uint64_t> total_ns_{0};  // of the samples counted in in_a_row_ (approximate under races)
};

}  // namespace hetsched::detail
