// The process-wide oneTBB thread limit. oneTBB caps its workers at the core count and, when several
// global_control objects coexist, obeys the smallest; so one control is kept, sized for the largest live Runtime.
#pragma once

#include <cstddef>

namespace hetsched::detail {

/// While alive, oneTBB may run at least `threads` threads in total (workers plus one external thread).
class ThreadBudget {
 public:
  explicit ThreadBudget(std::size_t threads);
  ~ThreadBudget();
  ThreadBudget(const ThreadBudget&) = delete;
  ThreadBudget& operator=(const ThreadBudget&) = delete;

 private:
  std::size_t threads_;
};

}  // namespace hetsched::detail
