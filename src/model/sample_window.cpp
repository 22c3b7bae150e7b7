#include "model/sample_window.hpp"

#include <algorithm>

namespace hetsched::detail {

void SampleWindow::add(double seconds) noexcept {
  auto end = sorted_.begin() + static_cast<std::ptrdiff_t>(size_);
  if (size_ == capacity) {  // the oldest sample leaves the sorted copy too
    auto oldest = std::lower_bound(sorted_.begin(), end, seconds_[next_]);
    std::copy(oldest + 1, end, oldest);
    --end;
  } else {
    ++size_;
  }
  auto place = std::upper_bound(sorted_.begin(), end, seconds);
  std::copy_backward(place, end, end + 1);
  *place = seconds;
  seconds_[next_] = seconds;
  next_ = (next_ + 1) % capacity;
  median_ = sorted_[(size_ - 1) / 2];
}

std::vector<double> SampleWindow::oldest_first() const {
  std::vector<double> samples;
  samples.reserve(size_);
  std::size_t oldest = size_ < capacity ? 0 : next_;
  for (std::size_t i = 0; i < size_; ++i) samples.push_back(seconds_[(oldest + i) % capacity]);
  return samples;
}

}  // namespace hetsched::detail
