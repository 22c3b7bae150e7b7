#include "model/sample_window.hpp"

#include <algorithm>

namespace hetsched::detail {

void SampleWindow::add(double seconds) noexcept {
  seconds_[next_] = seconds;
  next_ = (next_ + 1) % capacity;
  size_ = std::min(size_ + 1, capacity);
  std::array<double, capacity> sorted = seconds_;  // when not full, the held samples are the first size_ slots
  auto middle = sorted.begin() + static_cast<std::ptrdiff_t>((size_ - 1) / 2);
  std::nth_element(sorted.begin(), middle, sorted.begin() + static_cast<std::ptrdiff_t>(size_));
  median_ = *middle;
}

std::vector<double> SampleWindow::oldest_first() const {
  std::vector<double> samples;
  samples.reserve(size_);
  std::size_t oldest = size_ < capacity ? 0 : next_;
  for (std::size_t i = 0; i < size_; ++i) samples.push_back(seconds_[(oldest + i) % capacity]);
  return samples;
}

}  // namespace hetsched::detail
