// A progress bar on stderr that appears only once a run has lasted a second.
#pragma once

#include <chrono>
#include <string>

namespace hetsched::bench {

/// Draws `[#####     ]  50% LABEL` on stderr, redrawn in place; silent for the first second.
class ProgressBar {
 public:
  /// A bar for a run described by `label`.
  explicit ProgressBar(std::string label);
  /// Clears the bar if it was drawn.
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  /// Shows `fraction` (0 to 1) done.
  void update(double fraction);

 private:
  std::string label_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool drawn_ = false;
};

}  // namespace hetsched::bench
