/// @file test_support.hpp
/// @brief Helpers shared by the public-behaviour tests: configs that ignore the environment, gates and rendezvous
/// with hang guards, a concurrency meter, tasks held until released, and a copy-counting value. Only the public API
/// is used.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <hetsched/hetsched.hpp>

namespace hetsched_test {

/// How long a test waits for something that should happen before calling it a hang. Never a performance claim.
inline constexpr std::chrono::seconds hang_guard{30};

/// A config with explicit CPUs, GPUs and custom resources that ignores HETSCHED_* variables.
inline hetsched::Config make_config(int cpus, int gpus = 0, std::map<std::string, double> resources = {}) {
  hetsched::Config config;
  config.num_cpus = cpus;
  config.num_gpus = gpus;
  config.resources = std::move(resources);
  config.read_environment = false;
  return config;
}

/// Polls `predicate` until it holds or the hang guard passes; returns its last value.
template <class Predicate>
bool eventually(Predicate predicate) {
  auto deadline = std::chrono::steady_clock::now() + hang_guard;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

/// A one-shot event: wait() blocks until open() (or the hang guard) and says whether it was opened.
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    changed_.notify_all();
  }
  bool is_open() const {
    std::lock_guard lock(mutex_);
    return open_;
  }
  bool wait() const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, hang_guard, [&] { return open_; });
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool open_ = false;
};

/// A barrier of `parties` with a hang guard: arrive_and_wait() says whether everybody arrived in time. Tasks that
/// must run at the same time prove it by all returning true.
class Rendezvous {
 public:
  explicit Rendezvous(int parties) : parties_(parties) {}
  bool arrive_and_wait() {
    std::unique_lock lock(mutex_);
    ++arrived_;
    changed_.notify_all();
    return changed_.wait_for(lock, hang_guard, [&] { return arrived_ >= parties_; });
  }
  int arrived() const {
    std::lock_guard lock(mutex_);
    return arrived_;
  }

 private:
  const int parties_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0;
};

/// Counts how many callers are inside at once and remembers the most seen.
class ConcurrencyMeter {
 public:
  class Scope {
   public:
    explicit Scope(ConcurrencyMeter& meter) : meter_(meter) { meter_.enter(); }
    ~Scope() { meter_.leave(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    ConcurrencyMeter& meter_;
  };

  void enter() {
    int now = current_.fetch_add(1) + 1;
    int seen = max_.load();
    while (now > seen && !max_.compare_exchange_weak(seen, now)) {
    }
  }
  void leave() { current_.fetch_sub(1); }
  int max() const { return max_.load(); }

 private:
  std::atomic<int> current_{0};
  std::atomic<int> max_{0};
};

/// Task bodies that stay inside until the test lets them all go, so that a test checks a concurrency bound while the
/// runtime is saturated by construction, not by overlapping sleeps: submit more tasks than the bound allows, wait
/// until `bound` are inside (the runtime can start no more until one leaves), check the meter and the free
/// resources (taken synchronously when a task is dispatched), then release().
class HeldTasks {
 public:
  /// Counts the caller inside, then waits for release(); returns whether it came before the hang guard.
  bool hold() {
    ConcurrencyMeter::Scope inside(meter_);
    return released_.wait();
  }
  /// A task body that calls hold().
  auto body() {
    return [this] { return hold(); };
  }
  /// Waits until `count` callers have been inside at once; false at the hang guard.
  bool wait_until_inside(int count) const {
    return eventually([&] { return meter_.max() >= count; });
  }
  /// The most callers seen inside at once.
  int max_inside() const { return meter_.max(); }
  /// Lets every caller, present and future, go.
  void release() { released_.open(); }

 private:
  ConcurrencyMeter meter_;
  Gate released_;
};

/// A value that counts how often it is copied and moved (per test: call reset() first).
struct CopyCounter {
  static inline std::atomic<int> copies{0};
  static inline std::atomic<int> moves{0};
  static void reset() {
    copies = 0;
    moves = 0;
  }

  int value = 0;
  CopyCounter() = default;
  explicit CopyCounter(int v) : value(v) {}
  CopyCounter(const CopyCounter& other) : value(other.value) { ++copies; }
  CopyCounter(CopyCounter&& other) noexcept : value(other.value) { ++moves; }
  CopyCounter& operator=(const CopyCounter& other) {
    value = other.value;
    ++copies;
    return *this;
  }
  CopyCounter& operator=(CopyCounter&& other) noexcept {
    value = other.value;
    ++moves;
    return *this;
  }
};

/// Sets (or unsets, with nullopt) an environment variable for the life of the object, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value) {
      ::setenv(name_.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

/// True when `text` contains `part`.
inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace hetsched_test
