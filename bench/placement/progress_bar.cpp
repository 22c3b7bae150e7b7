#include "progress_bar.hpp"

#include <algorithm>
#include <cstdio>

namespace hetsched::bench {

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)) {}

ProgressBar::~ProgressBar() {
  if (drawn_) std::fprintf(stderr, "\r%*s\r", static_cast<int>(label_.size() + 20), "");
}

void ProgressBar::update(double fraction) {
  if (std::chrono::steady_clock::now() - started_ < std::chrono::seconds(1)) return;
  constexpr int width = 30;
  const int filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * width);
  std::fprintf(stderr, "\r[%.*s%*s] %3d%% %s", filled, "##############################", width - filled, "",
               static_cast<int>(100 * fraction), label_.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace hetsched::bench
