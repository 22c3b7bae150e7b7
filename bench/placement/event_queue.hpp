// The event engine's clock: completions ordered by time, then by the order they were scheduled (so equal times
// replay deterministically).
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

namespace hetsched::bench {

/// A task that finishes at `time_s`.
struct Completion {
  double time_s = 0;        ///< When it finishes.
  std::uint64_t order = 0;  ///< Tie-break: scheduling order.
  std::uint32_t task = 0;   ///< Which task.
};

/// A min-heap of completions.
class EventQueue {
 public:
  /// Schedules `task` to finish at `time_s`.
  void push(double time_s, std::uint32_t task) { heap_.push({time_s, next_order_++, task}); }
  /// True when nothing is scheduled.
  bool empty() const noexcept { return heap_.empty(); }
  /// The earliest completion.
  const Completion& top() const { return heap_.top(); }
  /// Removes the earliest completion.
  void pop() { heap_.pop(); }

 private:
  struct Later {
    bool operator()(const Completion& a, const Completion& b) const noexcept {
      return a.time_s != b.time_s ? a.time_s > b.time_s : a.order > b.order;
    }
  };
  std::priority_queue<Completion, std::vector<Completion>, Later> heap_;
  std::uint64_t next_order_ = 0;
};

}  // namespace hetsched::bench
