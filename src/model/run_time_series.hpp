// The run-time history of one (task, variant, device kind): a SampleWindow per input-size bucket that has run, and
// what it predicts for an input size.
//
// Prediction for an input of `bytes`, first rule that applies:
//  1. its bucket has enough_samples or more: that bucket's median;
//  2. two or more other buckets have samples: the power law a * bytes^b fitted over their medians (power_law.hpp);
//  3. its own bucket has a sample or two: their median (a measurement at this size beats scaling one from elsewhere);
//  4. one other bucket has samples (or the others are too close in size to fit): the median of the one nearest in
//     size, scaled linearly with size. Cost proportional to bytes is right for the streaming kernels most tasks are,
//     and it keeps a task 100x larger from being predicted as cheap as a small one (which would send it to whichever
//     device ran the small one fastest);
//  5. nothing: unknown (-1).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/power_law.hpp"
#include "model/sample_window.hpp"

namespace hetsched::detail {

/// One bucket's history as the model file stores it.
struct BucketRecord {
  std::uint32_t bucket = 0;     ///< size_bucket() of its inputs
  double bytes = 0;             ///< the geometric mean of the input sizes recorded in it (>= 1)
  std::uint64_t count = 0;      ///< every sample ever recorded in it (>= seconds.size())
  std::vector<double> seconds;  ///< the window's samples, oldest first (1 .. SampleWindow::capacity)
};

/// The history of one (task, variant, device kind). Not thread-safe (PerfModel locks the task).
class RunTimeSeries {
 public:
  /// An empty history whose buckets count as calibrated (rule 1) from `enough_samples` samples.
  explicit RunTimeSeries(std::uint32_t enough_samples) : enough_samples_(enough_samples) {}
  /// Adds one run on an input of `input_bytes` that took `seconds` (> 0 and finite; the caller checks).
  void record(std::uint64_t input_bytes, double seconds);
  /// The predicted seconds for an input of `input_bytes` (the rules above), or -1 when nothing is known.
  double predict(std::uint64_t input_bytes) const noexcept;
  /// Every sample ever recorded, over all buckets.
  std::uint64_t samples() const noexcept { return samples_; }
  /// The buckets, ordered by bucket, as the model file stores them.
  std::vector<BucketRecord> to_records() const;
  /// Replaces the history with `records` (checked by the caller: distinct buckets, valid fields).
  void assign(const std::vector<BucketRecord>& records);

 private:
  struct Bucket {
    std::uint32_t bucket = 0;
    std::uint64_t count = 0;
    double sum_log_bytes = 0;  // ln of every input size ever recorded: the representative size is their mean
    double log_bytes = 0;      // sum_log_bytes / count
    double log_median = 0;     // ln window.median()
    SampleWindow window;
  };

  const Bucket* find(std::uint32_t bucket) const noexcept;
  void refit();  // recomputes sums_ and fit_ from every bucket's point

  std::uint32_t enough_samples_;
  std::vector<Bucket> buckets_;  // ordered by bucket
  LogLogSums sums_;              // one point (bytes, median) per bucket
  std::optional<PowerLaw> fit_;  // over every bucket: what a size that has never run gets
  std::uint64_t samples_ = 0;
};

}  // namespace hetsched::detail
