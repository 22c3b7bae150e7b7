#include "exec/spare_threads.hpp"

#include <system_error>

namespace hetsched::detail {

SpareThreads::~SpareThreads() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

bool SpareThreads::start() noexcept {
  std::lock_guard lock(mutex_);
  ++pending_;
  if (idle_ >= pending_) {
    wake_.notify_one();
    return true;
  }
  try {
    threads_.emplace_back([this] { loop(); });
    return true;
  } catch (const std::system_error&) {
    --pending_;  // no thread can be made now: the callers keep waiting as they would have without this pool
    return false;
  }
}

std::size_t SpareThreads::size() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

void SpareThreads::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    wake_.wait(lock, [this] { return pending_ > 0 || stopping_; });
    --idle_;
    if (pending_ == 0) return;  // stopping, and nothing left to run
    --pending_;
    lock.unlock();
    job_();
    lock.lock();
  }
}

}  // namespace hetsched::detail
