#include "progress_reporter.hpp"

#include <cstdio>
#include <utility>

namespace hetsched::detail {

std::string human_bytes(std::uint64_t bytes) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
  return text;
}

std::string progress_line(const RuntimeCounters& counters) {
  const StoreStats& store = counters.store;
  std::string line = "hetsched: tasks " + std::to_string(counters.tasks_finished) + " done, " +
                     std::to_string(counters.tasks_running) + " running, " +
                     std::to_string(counters.tasks_queued + counters.tasks_dispatched) + " queued, " +
                     std::to_string(counters.tasks_waiting) + " waiting";
  if (counters.tasks_failed) line += ", " + std::to_string(counters.tasks_failed) + " failed";
  if (counters.retries) line += ", " + std::to_string(counters.retries) + " retried";
  line += " | objects " + std::to_string(store.objects) + ", " + human_bytes(store.bytes);
  const std::uint64_t moved = store.bytes_host_to_device + store.bytes_device_to_host + store.bytes_device_to_device;
  if (moved) line += " | moved " + human_bytes(moved);
  if (store.spills) line += " | spilled " + std::to_string(store.spills);
  return line;
}

ProgressReporter::ProgressReporter(std::function<RuntimeCounters()> read, std::function<void(const std::string&)> sink,
                                   std::chrono::milliseconds period)
    : read_(std::move(read)), sink_(std::move(sink)), period_(period), thread_([this] { loop(); }) {}

ProgressReporter::~ProgressReporter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ProgressReporter::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (wake_.wait_for(lock, period_, [&] { return stopping_; })) return;
    lock.unlock();
    try {
      sink_(progress_line(read_()));
    } catch (...) {
      // A line that could not be made (out of memory) is skipped.
    }
    lock.lock();
  }
}

}  // namespace hetsched::detail
