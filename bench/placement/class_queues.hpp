// The runtime scheduler's discipline (src/scheduler/scheduler.cpp), replayed: one queue per scheduling class (tasks
// with the same bodies and demands), each ordered by priority then arrival; on every event the heads of the classes
// are offered to the policy in (priority desc, arrival) order; a head that must wait stays queued, and once it has
// been overtaken max_bypass times nothing behind it starts until it does.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

namespace hetsched::bench {

/// What offering a task to its policy did.
enum class Offer : std::uint8_t { started, waits, never };

/// Class queues over task indices.
class ClassQueues {
 public:
  /// Queues for `tasks` tasks with their `priorities`, overtaking a head at most `max_bypass` times (Config's).
  ClassQueues(const std::vector<int>& priorities, std::uint32_t max_bypass);
  /// Queues `task` in class `scheduling_class` (any small number) with the next arrival number.
  void push(std::uint32_t task, std::uint32_t scheduling_class);
  /// Tasks queued.
  std::size_t size() const noexcept { return queued_; }
  /// Task `task`'s arrival number.
  std::uint64_t sequence(std::uint32_t task) const noexcept { return sequence_[task]; }
  /// The head of the first non-empty queue (for messages).
  std::uint32_t any_head() const;
  /// Offers heads to `offer(task, queued_behind)` in the scheduler's order until none starts. A head answered
  /// Offer::never is removed and passed to `never(task)`.
  void dispatch(const std::function<Offer(std::uint32_t, std::uint32_t)>& offer,
                const std::function<void(std::uint32_t)>& never);

 private:
  static constexpr std::size_t kept_levels = 8;  // empty priority levels kept, so a steady stream allocates nothing
  struct Queue {
    std::map<int, std::deque<std::uint32_t>, std::greater<>> by_priority;
    std::size_t size = 0;
    std::uint32_t head() const;
    void pop();
  };
  bool ahead(std::uint32_t a, std::uint32_t b) const noexcept;

  const std::vector<int>& priorities_;
  std::uint32_t max_bypass_;
  std::vector<std::uint64_t> sequence_;
  std::vector<std::uint32_t> bypassed_;
  std::vector<Queue> queues_;
  std::vector<Queue*> order_;
  std::uint64_t next_sequence_ = 0;
  std::size_t queued_ = 0;
};

}  // namespace hetsched::bench
