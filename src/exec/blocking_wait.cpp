// get and wait block here. In order: run a pending producer on this thread when the caller needs every object
// (no thread switch at all); spin briefly; then sleep on a waiter registered with the objects. A thread running a
// task lends the task's CPUs to the scheduler while it sleeps and keeps running queued tasks, so nested tasks
// cannot deadlock however few CPUs there are.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "runtime_core.hpp"

namespace hetsched::detail {
namespace {

constexpr auto spin_time = std::chrono::microseconds(20);
constexpr auto helper_poll = std::chrono::milliseconds(1);

/// Registered with every pending object; counts completions, so "are enough done" costs O(1), not a scan.
class Waiter final : public ObjectWaiter {
 public:
  Waiter(std::span<ObjectEntry* const> entries, std::size_t needed) : needed_(needed) {
    std::size_t done = 0;
    for (ObjectEntry* entry : entries) {
      if (entry->add_waiter(this)) {
        registered_.push_back(entry);
      } else {
        ++done;
      }
    }
    done_.fetch_add(done, std::memory_order_release);
  }
  ~Waiter() {
    for (ObjectEntry* entry : registered_) entry->remove_waiter(this);
  }
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  void object_completed() noexcept override {
    std::lock_guard lock(mutex_);
    if (done_.fetch_add(1, std::memory_order_release) + 1 >= needed_) wake_.notify_one();
  }
  /// True once enough objects are done.
  bool enough() const noexcept { return done_.load(std::memory_order_acquire) >= needed_; }
  /// Sleeps until enough() or `until`.
  void sleep_until(Clock::time_point until) {
    std::unique_lock lock(mutex_);
    wake_.wait_until(lock, until, [this] { return enough(); });
  }

 private:
  std::size_t needed_;
  std::atomic<std::size_t> done_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<ObjectEntry*> registered_;
};

/// Lends the running task's CPUs to the scheduler for the scope's life.
class LentCpus {
 public:
  LentCpus(Scheduler& scheduler, Task* task) : scheduler_(scheduler), task_(task) {
    if (task_ && task_->holds_resources) {
      scheduler_.lend_cpus(*task_);
    } else {
      task_ = nullptr;
    }
  }
  ~LentCpus() {
    if (task_) scheduler_.reclaim_cpus(*task_);
  }
  LentCpus(const LentCpus&) = delete;
  LentCpus& operator=(const LentCpus&) = delete;

 private:
  Scheduler& scheduler_;
  Task* task_;
};

/// Runs on this thread each producer that has been dispatched and not started; returns how many objects are done.
std::size_t run_pending_producers(RuntimeCore& core, std::span<ObjectEntry* const> entries) {
  std::size_t done = 0;
  for (ObjectEntry* entry : entries) {
    if (!entry->is_done()) {
      if (Task* producer = entry->acquire_producer()) {
        core.executor().run_here_if_unstarted(*producer);
        producer->release();
      }
    }
    done += entry->is_done() ? 1 : 0;
  }
  return done;
}

std::size_t count_done(std::span<ObjectEntry* const> entries) {
  return static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(), [](const ObjectEntry* e) { return e->is_done(); }));
}

}  // namespace

bool wait_for_count(RuntimeCore& core, std::span<ObjectEntry* const> entries, std::size_t count,
                    std::optional<Clock::time_point> deadline, bool run_producers) {
  if (count == 0) return true;
  if (entries.size() == 1 ? entries[0]->is_done() : count_done(entries) >= count) return true;
  if (run_producers && run_pending_producers(core, entries) >= count) return true;

  Waiter waiter(entries, count);
  for (auto spin_end = Clock::now() + spin_time; Clock::now() < spin_end;) {
    if (waiter.enough()) return true;
    std::this_thread::yield();
  }
  Task* current = core.current_task();
  LentCpus lent(core.scheduler(), current);
  auto final_deadline = deadline.value_or(Clock::time_point::max());
  while (!waiter.enough()) {
    auto now = Clock::now();
    if (now >= final_deadline) return false;
    if (current) {
      // Inside a task: keep this thread busy with queued work, looking up from time to time.
      if (run_producers) run_pending_producers(core, entries);
      if (core.executor().run_one_here()) continue;
      waiter.sleep_until(std::min(final_deadline, now + helper_poll));
    } else {
      waiter.sleep_until(final_deadline);
    }
  }
  return true;
}

}  // namespace hetsched::detail
