// Result checks for the examples: each example prints its comparison, then exits non-zero if a computed result is
// wrong. Timings are printed and never checked (machines are noisy).
#pragma once

#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

namespace examples {

/// Counts failed checks; main returns exit_code() so ctest sees a wrong result.
class Checks {
 public:
  /// Records `what` as failed (and says so on stderr) unless `passed`.
  void expect(bool passed, const std::string& what) {
    if (!passed) {
      ++failures_;
      std::fprintf(stderr, "CHECK FAILED: %s\n", what.c_str());
    }
  }

  /// 0 when every check passed, 1 otherwise.
  int exit_code() const {
    if (failures_ == 0) return 0;
    std::fprintf(stderr, "%d check(s) failed\n", failures_);
    return 1;
  }

 private:
  int failures_ = 0;
};

/// The list 0, 1, ..., count - 1: what every seed's `[f(x) for x in range(count)]` must return.
inline std::vector<int> zero_to(int count) {
  std::vector<int> values(static_cast<std::size_t>(count));
  std::iota(values.begin(), values.end(), 0);
  return values;
}

/// Formats a list the way Python prints one: `[0, 1, 2, 3]`.
template <class T, class Format>
std::string format_list(const std::vector<T>& items, Format format_item) {
  std::string text = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) text += ", ";
    text += format_item(items[i]);
  }
  return text + "]";
}

/// `[0, 1, 2, 3]` for a list of numbers.
template <class T>
std::string format_list(const std::vector<T>& numbers) {
  return format_list(numbers, [](const T& number) { return std::to_string(number); });
}

}  // namespace examples
