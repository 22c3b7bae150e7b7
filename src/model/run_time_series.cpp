#include "model/run_time_series.hpp"

#include <algorithm>
#include <cmath>

#include "model/size_bucket.hpp"

namespace hetsched::detail {
namespace {

double log_size(std::uint64_t bytes) { return std::log(static_cast<double>(std::max<std::uint64_t>(bytes, 1))); }

}  // namespace

void RunTimeSeries::record(std::uint64_t input_bytes, double seconds) {
  std::uint32_t id = size_bucket(input_bytes);
  auto it = std::lower_bound(buckets_.begin(), buckets_.end(), id,
                             [](const Bucket& bucket, std::uint32_t key) { return bucket.bucket < key; });
  if (it == buckets_.end() || it->bucket != id) it = buckets_.insert(it, Bucket{id, 0, 0, 0, 0, {}});
  it->count += 1;
  it->sum_log_bytes += log_size(input_bytes);
  it->log_bytes = it->sum_log_bytes / static_cast<double>(it->count);
  it->window.add(seconds);
  it->log_median = std::log(it->window.median());
  samples_ += 1;
  refit();
}

void RunTimeSeries::refit() {
  sums_ = {};
  for (const Bucket& bucket : buckets_) sums_.add(bucket.log_bytes, bucket.log_median);
  fit_ = fit_power_law(sums_);
}

const RunTimeSeries::Bucket* RunTimeSeries::find(std::uint32_t bucket) const noexcept {
  auto it = std::lower_bound(buckets_.begin(), buckets_.end(), bucket,
                             [](const Bucket& entry, std::uint32_t key) { return entry.bucket < key; });
  return it != buckets_.end() && it->bucket == bucket ? &*it : nullptr;
}

double RunTimeSeries::predict(std::uint64_t input_bytes) const noexcept {
  const Bucket* own = find(size_bucket(input_bytes));
  if (own && own->window.size() >= enough_samples_) return own->window.median();
  std::size_t others = buckets_.size() - (own ? 1 : 0);
  auto bytes = static_cast<double>(input_bytes);
  if (others >= 2 && !own && fit_) return fit_->at(bytes);
  if (others >= 2 && own) {
    LogLogSums without_own = sums_;
    without_own.remove(own->log_bytes, own->log_median);
    if (auto law = fit_power_law(without_own)) return law->at(bytes);
  }
  if (own) return own->window.median();
  if (others == 0) return -1;
  // The bucket nearest in size (the only one, or the nearest when the others are too close together to fit).
  double target = log_size(input_bytes);
  const Bucket* nearest = &buckets_.front();
  for (const Bucket& bucket : buckets_) {
    if (std::abs(bucket.log_bytes - target) < std::abs(nearest->log_bytes - target)) nearest = &bucket;
  }
  return nearest->window.median() * std::exp(target - nearest->log_bytes);
}

std::vector<BucketRecord> RunTimeSeries::to_records() const {
  std::vector<BucketRecord> records;
  records.reserve(buckets_.size());
  for (const Bucket& bucket : buckets_) {
    records.push_back({bucket.bucket, std::exp(bucket.log_bytes), bucket.count, bucket.window.oldest_first()});
  }
  return records;
}

void RunTimeSeries::assign(const std::vector<BucketRecord>& records) {
  buckets_.clear();
  samples_ = 0;
  for (const BucketRecord& record : records) {
    double log_bytes = std::log(record.bytes);
    Bucket bucket{record.bucket, record.count, log_bytes * static_cast<double>(record.count), log_bytes, 0, {}};
    for (double seconds : record.seconds) bucket.window.add(seconds);
    bucket.log_median = std::log(bucket.window.median());
    samples_ += record.count;
    buckets_.push_back(bucket);
  }
  std::sort(buckets_.begin(), buckets_.end(), [](const Bucket& a, const Bucket& b) { return a.bucket < b.bucket; });
  refit();
}

}  // namespace hetsched::detail
