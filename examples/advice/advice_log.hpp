// What the advisor twins share: a Config whose advice goes to a log as well as to stderr, and the check each twin
// ends with: the wrong program gets exactly one report, of its mistake, and the corrected one none.
#pragma once

#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <hetsched/hetsched.hpp>

namespace examples {

/// The advisor's reports to one runtime, in order.
class AdviceLog {
 public:
  /// A config with the seeds' 4 CPU slots whose advice comes here (and is printed); the environment is not read, so
  /// HETSCHED_ADVICE=off cannot make the check meaningless.
  hetsched::Config config() {
    hetsched::Config config;
    config.num_cpus = 4;
    config.read_environment = false;
    config.advice = [this](const hetsched::Advice& advice) {
      hetsched::print_advice(advice);
      std::lock_guard lock(mutex_);
      kinds_.push_back(advice.kind);
    };
    return config;
  }

  /// 0 when `wrong` got exactly one report, of `mistake`, or the corrected program none; else says what came, and 1.
  int check(bool wrong, hetsched::AdviceKind mistake) const {
    std::lock_guard lock(mutex_);
    const bool as_expected = wrong ? kinds_.size() == 1 && kinds_.front() == mistake : kinds_.empty();
    if (as_expected) {
      std::printf("advice check passed: %s\n", wrong ? "one report, of this mistake" : "no report");
      return 0;
    }
    std::fprintf(stderr, "CHECK FAILED: expected %s, got %zu report(s):", wrong ? "one report" : "no report",
                 kinds_.size());
    for (hetsched::AdviceKind kind : kinds_) {
      std::fprintf(stderr, " %s", std::string(hetsched::advice_kind_name(kind)).c_str());
    }
    std::fprintf(stderr, "\n");
    return 1;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<hetsched::AdviceKind> kinds_;
};

/// True for `wrong` as argv[1], false for `right`; anything else prints the usage and returns false with `valid` off.
inline bool wrong_variant(int argc, char** argv, bool& valid) {
  valid = argc == 2 && (std::strcmp(argv[1], "wrong") == 0 || std::strcmp(argv[1], "right") == 0);
  if (!valid) std::fprintf(stderr, "usage: %s wrong|right\n", argc > 0 ? argv[0] : "example");
  return valid && std::strcmp(argv[1], "wrong") == 0;
}

}  // namespace examples
