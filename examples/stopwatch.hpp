// Wall-clock timing for the examples: what the seeds do with `start = time.time()` and `time.time() - start`.
#pragma once

#include <chrono>
#include <cstdio>

namespace examples {

/// Measures seconds of wall-clock time since construction (or the last restart).
class Stopwatch {
 public:
  Stopwatch() : start_(Clock::now()) {}

  /// Starts measuring again from now.
  void restart() { start_ = Clock::now(); }

  /// Seconds since the start.
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_;
};

/// Prints `duration = 4.0149 s` under a label, the way the seeds print their timings.
inline void print_duration(const char* label, double seconds) {
  std::printf("  %-34s duration = %.4f s\n", label, seconds);
}

}  // namespace examples
