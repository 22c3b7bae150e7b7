#include "model/power_law.hpp"

#include <algorithm>
#include <cmath>

namespace hetsched::detail {

double PowerLaw::at(double bytes) const noexcept { return a * std::pow(std::max(bytes, 1.0), b); }

void LogLogSums::add(double log_bytes, double log_seconds) noexcept {
  count += 1;
  x += log_bytes;
  y += log_seconds;
  xx += log_bytes * log_bytes;
  xy += log_bytes * log_seconds;
}

void LogLogSums::remove(double log_bytes, double log_seconds) noexcept {
  count -= 1;
  x -= log_bytes;
  y -= log_seconds;
  xx -= log_bytes * log_bytes;
  xy -= log_bytes * log_seconds;
}

std::optional<PowerLaw> fit_power_law(const LogLogSums& sums) noexcept {
  if (sums.count < 2) return std::nullopt;
  double mean_x = sums.x / sums.count, mean_y = sums.y / sums.count;
  double spread_x = sums.xx / sums.count - mean_x * mean_x;  // variance of ln bytes
  constexpr double half_log_of_10_percent = 0.0477;          // ln(1.1) / 2: two sizes 10% apart
  constexpr double least_spread = half_log_of_10_percent * half_log_of_10_percent;
  if (!(spread_x >= least_spread)) return std::nullopt;
  double covariance = sums.xy / sums.count - mean_x * mean_y;
  double exponent = std::clamp(covariance / spread_x, min_exponent, max_exponent);
  return PowerLaw{std::exp(mean_y - exponent * mean_x), exponent};
}

}  // namespace hetsched::detail
