#include "exec/thread_budget.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#include <algorithm>
#include <set>
#include <memory>
#include <mutex>

namespace hetsched::detail {
namespace {

struct BudgetRegistry {
  std::mutex mutex;
  std::multiset<std::size_t> requests;
  std::unique_ptr<tbb::global_control> control;
  std::size_t applied = 0;

  void apply() {
    std::size_t wanted = requests.empty() ? 0 : *requests.rbegin();
    auto defaults = static_cast<std::size_t>(tbb::info::default_concurrency());
    if (wanted <= defaults) wanted = 0;  // oneTBB's own default already suffices
    if (wanted == applied) return;
    control.reset();  // two controls at once would mean the smaller wins
    if (wanted > 0) control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, wanted);
    applied = wanted;
  }
};

BudgetRegistry& registry() {
  static BudgetRegistry instance;
  return instance;
}

}  // namespace

ThreadBudget::ThreadBudget(std::size_t threads) : threads_(threads) {
  auto& reg = registry();
  std::lock_guard lock(reg.mutex);
  reg.requests.insert(threads_);
  reg.apply();
}

ThreadBudget::~ThreadBudget() {
  auto& reg = registry();
  std::lock_guard lock(reg.mutex);
  reg.requests.erase(reg.requests.find(threads_));
  reg.apply();
}

}  // namespace hetsched::detail
