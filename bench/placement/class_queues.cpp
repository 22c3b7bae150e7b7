#include "class_queues.hpp"

#include <algorithm>

namespace hetsched::bench {

ClassQueues::ClassQueues(const std::vector<int>& priorities, std::uint32_t max_bypass)
    : priorities_(priorities), max_bypass_(max_bypass), sequence_(priorities.size()), bypassed_(priorities.size()) {}

std::uint32_t ClassQueues::Queue::head() const {
  auto level = by_priority.begin();
  while (level->second.empty()) ++level;
  return level->second.front();
}

void ClassQueues::Queue::pop() {
  auto level = by_priority.begin();
  while (level->second.empty()) ++level;
  level->second.pop_front();
  if (level->second.empty() && by_priority.size() > kept_levels) by_priority.erase(level);  // as the runtime keeps a few
  --size;
}

bool ClassQueues::ahead(std::uint32_t a, std::uint32_t b) const noexcept {
  if (priorities_[a] != priorities_[b]) return priorities_[a] > priorities_[b];
  return sequence_[a] < sequence_[b];
}

void ClassQueues::push(std::uint32_t task, std::uint32_t scheduling_class) {
  if (queues_.size() <= scheduling_class) queues_.resize(scheduling_class + 1);
  sequence_[task] = next_sequence_++;
  Queue& queue = queues_[scheduling_class];
  queue.by_priority[priorities_[task]].push_back(task);
  ++queue.size;
  ++queued_;
}

std::uint32_t ClassQueues::any_head() const {
  for (const Queue& queue : queues_) {
    if (queue.size > 0) return queue.head();
  }
  return 0;
}

void ClassQueues::dispatch(const std::function<Offer(std::uint32_t, std::uint32_t)>& offer,
                           const std::function<void(std::uint32_t)>& never) {
  for (;;) {
    order_.clear();
    for (Queue& queue : queues_) {
      if (queue.size > 0) order_.push_back(&queue);
    }
    std::sort(order_.begin(), order_.end(), [&](Queue* a, Queue* b) { return ahead(a->head(), b->head()); });
    bool started_one = false;
    for (Queue* queue : order_) {
      const std::uint32_t head = queue->head();
      const Offer answer = offer(head, static_cast<std::uint32_t>(queue->size - 1));
      if (answer == Offer::waits) {
        if (bypassed_[head] >= max_bypass_) break;  // reserved: nothing behind it starts until it fits
        continue;
      }
      queue->pop();
      --queued_;
      if (answer == Offer::never) {
        never(head);
      } else {
        for (Queue& other : queues_) {  // a start overtakes the heads queued ahead of it
          if (other.size > 0 && ahead(other.head(), head)) ++bypassed_[other.head()];
        }
      }
      started_one = true;
      break;  // heads changed: recompute the order
    }
    if (!started_one) return;
  }
}

}  // namespace hetsched::bench
