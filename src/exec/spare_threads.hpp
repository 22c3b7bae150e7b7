// Threads outside oneTBB's pool that the executor starts when a thread it counted on cannot run CPU work: a
// zero-CPU body running long, or a task blocked in get past the helping bound. oneTBB's pool is capped at the CPU
// slots, so only a thread of our own can take such a thread's place (Ray starts a new worker for a blocked one).
// Idle threads wait for the next job and are joined when the pool is destroyed.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hetsched::detail {

class SpareThreads {
 public:
  /// `job` is what every start() runs once on some idle (or new) thread.
  explicit SpareThreads(std::function<void()> job) : job_(std::move(job)) {}
  /// Joins every thread; jobs already started run to their end first.
  ~SpareThreads();
  SpareThreads(const SpareThreads&) = delete;
  SpareThreads& operator=(const SpareThreads&) = delete;

  /// Runs the job once more on an idle thread, starting one when none is idle; false when no thread could be made.
  bool start() noexcept;
  /// Threads made so far (idle ones included).
  std::size_t size() const;

 private:
  void loop();

  std::function<void()> job_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  std::size_t pending_ = 0;  // starts not yet taken by a thread
  bool stopping_ = false;
};

}  // namespace hetsched::detail
