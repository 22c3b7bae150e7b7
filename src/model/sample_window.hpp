// The recent run times of one input-size bucket and their robust estimate.
//
// The estimate is the median of the last `capacity` samples (the lower of the two middle ones for an even count).
// A median ignores any minority of outliers however large, where one 100x spike among ten samples moves a mean by
// 10x (StarPU's history mean did exactly that in starpu#50). The lower middle is taken because timing noise is one
// sided: preemption, page faults, a cold cache or a first-call module load only ever make a run slower. A bounded
// window lets the estimate follow a real change (clocks, contention, a new driver) within capacity/2 runs. Median
// and MAD rejection would keep more history for the same robustness, but needs the whole history or a second pass;
// this is two fixed arrays (the ring, and the same samples kept sorted), so adding a sample never allocates and
// costs two short shifts, and the median is a read.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hetsched::detail {

/// A ring of the most recent run times (seconds) and their median. Not thread-safe (its owner locks).
class SampleWindow {
 public:
  /// How many recent samples the estimate looks at.
  static constexpr std::size_t capacity = 16;

  /// Adds a run time, replacing the oldest once the window is full, and updates the median.
  void add(double seconds) noexcept;
  /// How many samples the window holds (at most capacity).
  std::size_t size() const noexcept { return size_; }
  /// The median of the samples held (the lower middle one for an even count); 0 when empty.
  double median() const noexcept { return median_; }
  /// The samples held, oldest first (what the model file stores; adding them in order rebuilds the window).
  std::vector<double> oldest_first() const;

 private:
  std::array<double, capacity> seconds_{};  // the ring, in arrival order
  std::array<double, capacity> sorted_{};   // the same samples, ascending (the first size_ slots)
  std::size_t next_ = 0;                    // where the next sample goes in the ring
  std::size_t size_ = 0;
  double median_ = 0;
};

}  // namespace hetsched::detail
