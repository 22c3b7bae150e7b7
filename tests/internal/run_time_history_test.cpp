// The pieces of a performance model's run-time history: size buckets, the robust window, the power-law fit, and
// the prediction rules of one (task, variant, kind).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include "model/power_law.hpp"
#include "model/run_time_series.hpp"
#include "model/sample_window.hpp"
#include "model/size_bucket.hpp"

namespace hetsched::detail {
namespace {

constexpr std::uint64_t mib = std::uint64_t{1} << 20;

TEST(SizeBucket, GrowsWithSizeAndSplitsEachPowerOfTwoInFour) {
  EXPECT_EQ(size_bucket(0), 0u);
  EXPECT_EQ(size_bucket(3), 3u);
  EXPECT_EQ(size_bucket(4), 4u);
  EXPECT_EQ(size_bucket(7), 7u);
  std::uint32_t previous = 0;
  for (std::uint64_t bytes = 1; bytes < (std::uint64_t{1} << 62); bytes += bytes / 4 + 1) {
    EXPECT_GE(size_bucket(bytes), previous) << bytes;
    previous = size_bucket(bytes);
  }
  EXPECT_EQ(size_bucket(mib), size_bucket(mib + mib / 4 - 1)) << "within a quarter of a power of two: one bucket";
  EXPECT_NE(size_bucket(mib), size_bucket(mib + mib / 4));
  EXPECT_EQ(size_bucket(2 * mib) - size_bucket(mib), 4u);
  EXPECT_EQ(size_bucket(UINT64_MAX), size_bucket_count - 1);
}

TEST(SampleWindow, OneHundredfoldSpikeBarelyMovesTheMedianWhereItWouldMoveAMean) {
  SampleWindow window;
  std::vector<double> samples = {1.00, 1.02, 0.99, 1.01, 0.98, 1.00, 1.03, 0.97, 1.01, 100.0};  // one 100x spike
  for (double seconds : samples) window.add(seconds);
  double mean = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
  EXPECT_NEAR(window.median(), 1.0, 0.02);
  EXPECT_GT(mean, 10.0) << "a mean would predict ten times the real run time";
}

TEST(SampleWindow, KeepsOnlyTheMostRecentSamplesAndFollowsARealChange) {
  SampleWindow window;
  for (int i = 0; i < 40; ++i) window.add(1.0);
  for (std::size_t i = 0; i < SampleWindow::capacity / 2 + 1; ++i) window.add(3.0);
  EXPECT_EQ(window.size(), SampleWindow::capacity);
  EXPECT_DOUBLE_EQ(window.median(), 3.0) << "a slowdown that lasts half a window becomes the estimate";
  std::vector<double> held = window.oldest_first();
  ASSERT_EQ(held.size(), SampleWindow::capacity);
  EXPECT_DOUBLE_EQ(held.front(), 1.0);
  EXPECT_DOUBLE_EQ(held.back(), 3.0);
}

TEST(SampleWindow, MedianIsThatOfTheLastSamplesWhateverTheirOrder) {
  SampleWindow window;
  std::vector<double> all;
  std::uint64_t state = 12345;
  for (int i = 0; i < 300; ++i) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    double seconds = static_cast<double>((state >> 33) % 50);  // with repeats, so equal samples come and go
    all.push_back(seconds);
    window.add(seconds);
    std::size_t held = std::min(all.size(), SampleWindow::capacity);
    std::vector<double> last(all.end() - static_cast<std::ptrdiff_t>(held), all.end());
    ASSERT_EQ(window.oldest_first(), last) << i;
    std::sort(last.begin(), last.end());
    ASSERT_EQ(window.median(), last[(held - 1) / 2]) << i;
  }
}

TEST(SampleWindow, TakesTheLowerMiddleOfAnEvenCount) {
  SampleWindow window;
  window.add(2.0);
  EXPECT_DOUBLE_EQ(window.median(), 2.0);
  window.add(200.0);
  EXPECT_DOUBLE_EQ(window.median(), 2.0) << "noise only ever slows a run, so the faster middle sample is kept";
}

/// Adds the point (bytes, seconds) to `sums`.
void add(LogLogSums& sums, double bytes, double seconds) { sums.add(std::log(bytes), std::log(seconds)); }

TEST(PowerLaw, FitRecoversAnExactPowerLaw) {
  LogLogSums sums;
  for (double bytes : {1e3, 1e5, 1e7}) add(sums, bytes, 3e-9 * std::pow(bytes, 1.5));
  auto law = fit_power_law(sums);
  ASSERT_TRUE(law);
  EXPECT_NEAR(law->b, 1.5, 1e-9);
  EXPECT_NEAR(law->at(1e9) / (3e-9 * std::pow(1e9, 1.5)), 1.0, 1e-9);
}

TEST(PowerLaw, NeedsTwoSizesFarEnoughApartAndClampsTheExponent) {
  LogLogSums one;
  add(one, 1e6, 1.0);
  EXPECT_FALSE(fit_power_law(one));
  LogLogSums close;
  add(close, 1000, 1.0);
  add(close, 1001, 2.0);
  EXPECT_FALSE(fit_power_law(close)) << "sizes 0.1% apart cannot tell an exponent";
  LogLogSums falling;
  add(falling, 1e3, 2.0);
  add(falling, 1e6, 1.0);
  auto law = fit_power_law(falling);
  ASSERT_TRUE(law);
  EXPECT_EQ(law->b, min_exponent) << "no run time falls as its input grows";
  EXPECT_NEAR(law->at(1e9), std::sqrt(2.0), 1e-9) << "with the exponent clamped, a is refitted to the mean";
  LogLogSums removed = falling;
  add(removed, 1e9, 5.0);
  removed.remove(std::log(1e9), std::log(5.0));
  EXPECT_NEAR(fit_power_law(removed)->at(1e9), law->at(1e9), 1e-9);
}

/// Seconds of a GEMM-like kernel on `bytes` of input: time ~ size^1.5.
double gemm_seconds(std::uint64_t bytes) { return 1e-12 * std::pow(static_cast<double>(bytes), 1.5); }

TEST(RunTimeSeries, ExtrapolatesAGemmLikePowerLawToASizeNeverRun) {
  RunTimeSeries series(3);
  const double noise[] = {1.01, 0.99, 1.005, 1.0, 0.995};  // drawn in turn, so each size has other samples
  int draw = 0;
  for (std::uint64_t bytes : {1 * mib, 4 * mib, 16 * mib}) {
    for (int run = 0; run < 4; ++run) series.record(bytes, gemm_seconds(bytes) * noise[draw++ % 5]);
  }
  for (std::uint64_t bytes : {64 * mib, 256 * mib, 2 * mib + 12345}) {
    EXPECT_NEAR(series.predict(bytes) / gemm_seconds(bytes), 1.0, 0.03) << bytes;
  }
}

TEST(RunTimeSeries, AThinBucketIsPredictedFromTheOthersNotFromItsOwnSpike) {
  RunTimeSeries series(3);
  for (std::uint64_t bytes : {1 * mib, 4 * mib}) {
    for (int run = 0; run < 3; ++run) series.record(bytes, gemm_seconds(bytes));
  }
  series.record(16 * mib, 100 * gemm_seconds(16 * mib));  // its first run, 100x slow
  EXPECT_NEAR(series.predict(16 * mib) / gemm_seconds(16 * mib), 1.0, 0.01);
  series.record(16 * mib, gemm_seconds(16 * mib));
  series.record(16 * mib, gemm_seconds(16 * mib));
  EXPECT_DOUBLE_EQ(series.predict(16 * mib), gemm_seconds(16 * mib)) << "three samples: the bucket's own median";
  EXPECT_EQ(series.samples(), 9u);
}

TEST(RunTimeSeries, WithOneOtherBucketScalesItLinearlyAndPrefersItsOwnFewSamples) {
  RunTimeSeries series(3);
  EXPECT_LT(series.predict(mib), 0) << "nothing known";
  for (int run = 0; run < 3; ++run) series.record(mib, 0.001);
  EXPECT_DOUBLE_EQ(series.predict(mib), 0.001);
  EXPECT_NEAR(series.predict(8 * mib), 0.008, 1e-12) << "one bucket known: linear in size";
  series.record(8 * mib, 0.005);
  EXPECT_DOUBLE_EQ(series.predict(8 * mib), 0.005) << "a measurement at the size beats scaling one from elsewhere";
  EXPECT_DOUBLE_EQ(series.predict(mib), 0.001);
}

TEST(RunTimeSeries, RecordsRoundTripThroughAssign) {
  RunTimeSeries series(3);
  for (int run = 0; run < 20; ++run) series.record(mib + static_cast<std::uint64_t>(run), 0.001 * (1 + run % 3));
  series.record(64, 1e-6);
  RunTimeSeries copy(3);
  copy.assign(series.to_records());
  EXPECT_EQ(copy.samples(), series.samples());
  for (std::uint64_t bytes : {std::uint64_t{64}, mib, 4 * mib, 100 * mib}) {
    EXPECT_DOUBLE_EQ(copy.predict(bytes), series.predict(bytes)) << bytes;
  }
  std::vector<BucketRecord> records = series.to_records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].count, 20u);
  EXPECT_EQ(records[1].seconds.size(), SampleWindow::capacity);
}

}  // namespace
}  // namespace hetsched::detail
