// hetsched::Runtime: the public face; every call forwards to the compiled core.
#include "hetsched/runtime.hpp"

#include "hetsched/error.hpp"
#include "runtime_core.hpp"

namespace hetsched {

Runtime::Runtime() : Runtime(Config{}) {}

Runtime::Runtime(Config config) : Runtime(std::move(config), nullptr) {}

Runtime::Runtime(Config config, const detail::GpuBackend* backend)
    : core_(std::make_unique<detail::RuntimeCore>(*this, config, backend)) {}

Runtime::~Runtime() = default;

std::map<std::string, double> Runtime::total_resources() const { return core_->scheduler().totals(); }

std::map<std::string, double> Runtime::available_resources() const { return core_->scheduler().available(); }

const HardwareInfo& Runtime::hardware() const noexcept { return core_->hardware(); }

StoreStats Runtime::store_stats() const {
  const auto& accounting = core_->accounting();
  StoreStats stats;
  stats.objects = accounting.objects();
  stats.bytes = accounting.bytes.load(std::memory_order_relaxed);
  core_->buffer_store().fill_stats(stats);
  return stats;
}

void Runtime::check_num_returns(std::size_t num_returns, std::size_t size) {
  if (num_returns > size) {
    throw UsageError("wait was asked for num_returns = " + std::to_string(num_returns) + " of only " +
                     std::to_string(size) + " refs; use num_returns <= refs.size()");
  }
}

}  // namespace hetsched
