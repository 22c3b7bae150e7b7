// A thread of its own for a release that may wait long: cudaFreeHost waits for every stream of the device, so a
// thread that must never wait for a device (the GPU progress thread, which may drop a buffer's last reference as a
// task completes) hands the block over instead of freeing it, and this thread frees it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hetsched::detail {

class ReleaseThread {
 public:
  /// Frees one block; must not throw.
  using Release = std::function<void(std::byte*)>;

  /// Starts the thread that will call `release`.
  explicit ReleaseThread(Release release);
  ReleaseThread(const ReleaseThread&) = delete;
  ReleaseThread& operator=(const ReleaseThread&) = delete;
  /// Releases every block handed over, then stops the thread; nothing may hand a block over any more.
  ~ReleaseThread();

  /// Has the thread release `block` soon; returns at once (releases it here only when there is no memory to queue
  /// it). Thread-safe.
  void hand_over(std::byte* block) noexcept;
  /// Blocks until every block handed over so far has been released (an allocation that failed may then fit).
  /// Thread-safe.
  void wait_until_idle();

 private:
  void run();

  Release release_;
  std::mutex mutex_;
  std::condition_variable changed_;  // a block was handed over, the queue ran empty, or stopping_ was set
  std::vector<std::byte*> queued_;
  bool releasing_ = false;  // the thread is releasing blocks it took from queued_
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything it uses exists
};

}  // namespace hetsched::detail
