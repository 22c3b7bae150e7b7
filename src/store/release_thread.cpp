#include "store/release_thread.hpp"

#include <utility>

namespace hetsched::detail {

ReleaseThread::ReleaseThread(Release release) : release_(std::move(release)), thread_([this] { run(); }) {}

ReleaseThread::~ReleaseThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void ReleaseThread::hand_over(std::byte* block) noexcept {
  bool queued = false;
  {
    std::lock_guard lock(mutex_);
    try {
      queued_.push_back(block);
      queued = true;
    } catch (...) {
      // No memory to remember it: the caller waits for this one release rather than leak the block.
    }
  }
  if (!queued) {
    release_(block);
    return;
  }
  changed_.notify_all();
}

void ReleaseThread::wait_until_idle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return queued_.empty() && !releasing_; });
}

void ReleaseThread::run() {
  std::vector<std::byte*> taken;
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
    if (queued_.empty()) return;  // stopping, and everything handed over is released
    taken.swap(queued_);
    releasing_ = true;
    lock.unlock();
    for (std::byte* block : taken) release_(block);
    taken.clear();
    lock.lock();
    releasing_ = false;
    if (queued_.empty()) changed_.notify_all();
  }
}

}  // namespace hetsched::detail
