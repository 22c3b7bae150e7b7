// hetsched::Runtime: the public face; every call forwards to the compiled core.
#include "hetsched/runtime.hpp"

#include <mutex>
#include <thread>
#include <vector>

#include "hetsched/error.hpp"
#include "runtime_core.hpp"

namespace hetsched {

Runtime::Runtime() : Runtime(Config{}) {}

Runtime::Runtime(Config config) : core_(std::make_unique<detail::RuntimeCore>(*this, config)) {}

namespace {

/// Threads finishing the shutdown of Runtimes destroyed from inside their own tasks; joined at exit.
class Reapers {
 public:
  void start(Runtime* shell) {
    std::lock_guard lock(mutex_);
    threads_.emplace_back([shell] { delete shell; });
  }
  ~Reapers() {
    for (std::thread& thread : threads_) thread.join();
  }

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

Reapers& reapers() {
  static Reapers instance;
  return instance;
}

}  // namespace

Runtime::Runtime(std::unique_ptr<detail::RuntimeCore> core) noexcept : core_(std::move(core)) {
  core_->rehome(*this);
}

Runtime::~Runtime() {
  if (!core_ || !core_->fail_task_destroying_it()) return;  // the core's destructor cancels, waits and tears down
  // Waiting here would wait for the very task doing this: a shell takes the core over, and another thread destroys it
  // once the task has returned.
  reapers().start(new Runtime(std::move(core_)));
}

std::map<std::string, double> Runtime::total_resources() const { return core_->scheduler().totals(); }

std::map<std::string, double> Runtime::available_resources() const { return core_->scheduler().available(); }

const HardwareInfo& Runtime::hardware() const noexcept { return core_->hardware(); }

StoreStats Runtime::store_stats() const {
  const auto& accounting = core_->accounting();
  StoreStats stats;
  stats.objects = accounting.objects();
  stats.bytes = accounting.bytes.load(std::memory_order_relaxed);
  core_->buffer_store().fill_stats(stats);
  accounting.budget->fill_stats(stats);
  return stats;
}

void Runtime::check_num_returns(std::size_t num_returns, std::size_t size) {
  if (num_returns > size) {
    throw UsageError("wait was asked for num_returns = " + std::to_string(num_returns) + " of only " +
                     std::to_string(size) + " refs; use num_returns <= refs.size()");
  }
}

}  // namespace hetsched
