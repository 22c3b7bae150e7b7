// HETSCHED_PROGRESS=1: a thread that prints one line about the run every period (a second) until it is stopped. It
// sleeps on a condition variable, so stopping it at shutdown wakes it at once instead of waiting out the period.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "hetsched/introspection.hpp"

namespace hetsched::detail {

/// The one-line summary HETSCHED_PROGRESS prints: tasks done, running, queued and waiting, failures and retries,
/// objects and bytes, bytes moved.
std::string progress_line(const RuntimeCounters& counters);

/// `bytes` for people: "512 B", "1.5 KiB", "3.0 GiB".
std::string human_bytes(std::uint64_t bytes);

class ProgressReporter {
 public:
  /// Every `period`, calls `sink(progress_line(read()))` on a thread of its own, until destroyed.
  ProgressReporter(std::function<RuntimeCounters()> read, std::function<void(const std::string&)> sink,
                   std::chrono::milliseconds period = std::chrono::seconds(1));
  /// Stops the thread (waking it) and joins it.
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

 private:
  void loop();

  std::function<RuntimeCounters()> read_;
  std::function<void(const std::string&)> sink_;
  std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is set
};

}  // namespace hetsched::detail
