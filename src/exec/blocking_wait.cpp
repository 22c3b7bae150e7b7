// get and wait block here. In order: run a pending producer on this thread when the caller needs every object
// (no thread switch at all); spin briefly; then sleep on a waiter registered with the objects. A thread running a
// task lends the task's CPUs to the scheduler while it sleeps and keeps running queued tasks, so nested tasks
// cannot deadlock however few CPUs there are.
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "runtime_core.hpp"

namespace hetsched::detail {
namespace {

constexpr auto spin_time = std::chrono::microseconds(20);
constexpr auto helper_poll = std::chrono::milliseconds(1);

std::size_t count_done(std::span<ObjectEntry* const> entries) {
  return static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(), [](const ObjectEntry* e) { return e->is_done(); }));
}

/// Sleeps until an object it is registered with completes.
class Waiter final : public ObjectWaiter {
 public:
  void object_completed() noexcept override {
    std::lock_guard lock(mutex_);
    ++completions_;
    wake_.notify_one();
  }
  /// Waits until `enough()` or `until`; returns enough().
  template <class Predicate>
  bool wait_until(Predicate enough, Clock::time_point until) {
    std::unique_lock lock(mutex_);
    return wake_.wait_until(lock, until, enough);
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::size_t completions_ = 0;
};

/// Registers a waiter with every pending entry and unregisters it on scope exit.
class Registration {
 public:
  Registration(Waiter& waiter, std::span<ObjectEntry* const> entries) : waiter_(waiter) {
    for (ObjectEntry* entry : entries) {
      if (entry->add_waiter(&waiter_)) registered_.push_back(entry);
    }
  }
  ~Registration() {
    for (ObjectEntry* entry : registered_) entry->remove_waiter(&waiter_);
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  Waiter& waiter_;
  std::vector<ObjectEntry*> registered_;
};

/// Lends the running task's CPUs to the scheduler for the scope's life.
class LentCpus {
 public:
  LentCpus(Scheduler& scheduler, Task* task) : scheduler_(scheduler), task_(task) {
    if (task_ && task_->holds_resources) scheduler_.lend_cpus(*task_);
    else task_ = nullptr;
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

void run_pending_producers(RuntimeCore& core, std::span<ObjectEntry* const> entries) {
  for (ObjectEntry* entry : entries) {
    if (entry->is_done()) continue;
    if (Task* producer = entry->acquire_producer()) {
      core.executor().run_here_if_unstarted(*producer);
      producer->release();
    }
  }
}

}  // namespace

bool wait_for_count(RuntimeCore& core, std::span<ObjectEntry* const> entries, std::size_t count,
                    std::optional<Clock::time_point> deadline, bool run_producers) {
  auto enough = [&] { return count_done(entries) >= count; };
  if (enough()) return true;
  if (run_producers) {
    run_pending_producers(core, entries);
    if (enough()) return true;
  }
  for (auto spin_end = Clock::now() + spin_time; Clock::now() < spin_end;) {
    if (enough()) return true;
    std::this_thread::yield();
  }

  Task* current = core.current_task();
  LentCpus lent(core.scheduler(), current);
  Waiter waiter;
  Registration registration(waiter, entries);
  auto final_deadline = deadline.value_or(Clock::time_point::max());
  while (!enough()) {
    auto now = Clock::now();
    if (now >= final_deadline) return false;
    if (current) {
      if (run_producers) run_pending_producers(core, entries);
      if (core.executor().run_one_here()) continue;
      waiter.wait_until(enough, std::min(final_deadline, now + helper_poll));
    } else {
      waiter.wait_until(enough, final_deadline);
    }
  }
  return true;
}

}  // namespace hetsched::detail
