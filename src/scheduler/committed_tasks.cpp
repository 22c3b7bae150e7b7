#include "scheduler/committed_tasks.hpp"

#include <algorithm>
#include <utility>

namespace hetsched::detail {

void CommittedTasks::push(int node, CommittedTask entry) {
  std::deque<CommittedTask>& queue = at(node);
  const int priority = entry.task->priority;
  auto after = std::find_if(queue.begin(), queue.end(),
                            [&](const CommittedTask& c) { return priority > c.task->priority; });
  queue.insert(after, std::move(entry));
  ++total_;
}

CommittedTask CommittedTasks::pop(int node) {
  std::deque<CommittedTask>& queue = at(node);
  CommittedTask first = std::move(queue.front());
  queue.pop_front();
  --total_;
  return first;
}

TaskPtr CommittedTasks::remove(const Task& task) {
  for (auto& queue : queues_) {
    auto it = std::find_if(queue.begin(), queue.end(), [&](const CommittedTask& c) { return c.task.get() == &task; });
    if (it == queue.end()) continue;
    TaskPtr removed = std::move(it->task);
    queue.erase(it);
    --total_;
    return removed;
  }
  return {};
}

double CommittedTasks::work_ahead(int node, int priority) const noexcept {
  double total = 0;
  for (const CommittedTask& c : at(node)) {
    if (c.task->priority < priority) break;  // by priority: the rest would run after it
    total += c.busy_s;
  }
  return total;
}

void CommittedTasks::take_all(std::vector<TaskPtr>& out) {
  for (auto& queue : queues_) {
    for (CommittedTask& c : queue) out.push_back(std::move(c.task));
    queue.clear();
  }
  total_ = 0;
}

}  // namespace hetsched::detail
