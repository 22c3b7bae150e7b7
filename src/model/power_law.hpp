// A run time model `seconds = a * bytes^b`, fitted by least squares on (log bytes, log seconds): a straight line in
// log-log space. One point per input-size bucket (its median), so every size counts once however often it ran.
#pragma once

#include <optional>

namespace hetsched::detail {

/// A fitted power law.
struct PowerLaw {
  double a = 0;  ///< seconds at 1 byte
  double b = 1;  ///< the exponent: 1 for a streaming kernel, 1.5 for GEMM on n x n matrices (bytes ~ n^2, flops ~ n^3)
  /// The predicted seconds at `bytes` (sizes below 1 byte count as 1).
  double at(double bytes) const noexcept;
};

/// The running sums of a least-squares line through points (x, y) = (ln bytes, ln seconds). Points are given as
/// logarithms, which their owners keep, so that adding one costs no log.
struct LogLogSums {
  double count = 0, x = 0, y = 0, xx = 0, xy = 0;  ///< n, and the sums of x, y, x^2 and x*y
  /// Adds the point of a bucket whose representative size is e^log_bytes and estimate e^log_seconds.
  void add(double log_bytes, double log_seconds) noexcept;
  /// Removes a point added before (to fit over all buckets but one).
  void remove(double log_bytes, double log_seconds) noexcept;
};

/// The exponents a fit may return. No kernel's run time falls as its input grows, and above cubic in bytes a
/// two-point fit is noise far more often than an algorithm; a fit outside is clamped (and `a` refitted for it).
inline constexpr double min_exponent = 0, max_exponent = 3;

/// The least-squares power law through the points in `sums`, or nothing with fewer than 2 points or sizes too close
/// together (under 10% apart on average) to tell an exponent.
std::optional<PowerLaw> fit_power_law(const LogLogSums& sums) noexcept;

}  // namespace hetsched::detail
