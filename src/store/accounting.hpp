// Counters shared by every object of one store. Objects may outlive the Runtime, so the counters are reference
// counted by the objects themselves: `holders` is the live object count plus one for the Runtime, and whoever drops
// it to zero frees the counters. No separate shared_ptr count is bounced between cores per object.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

#include "store/host_budget.hpp"
#include "store/object_registry.hpp"

namespace hetsched::detail {

struct StoreAccounting;

/// The Runtime's own holder of the counters, released when the Runtime goes (also if its constructor throws).
class AccountingHold {
 public:
  AccountingHold();
  ~AccountingHold();
  AccountingHold(const AccountingHold&) = delete;
  AccountingHold& operator=(const AccountingHold&) = delete;
  StoreAccounting* get() const noexcept { return accounting_; }

 private:
  StoreAccounting* accounting_;
};

struct StoreAccounting {
  std::atomic<std::size_t> holders{1};  // live objects + the Runtime
  std::atomic<std::size_t> bytes{0};
  std::shared_ptr<HostBudget> budget;  // set by the runtime before any object is registered; shared with its buffers
  ObjectRegistry listed;               // the live objects (list_objects)

  /// Live objects now.
  std::size_t objects() const noexcept { return holders.load(std::memory_order_relaxed) - 1; }
  /// Adds a holder.
  void retain() noexcept { holders.fetch_add(1, std::memory_order_relaxed); }
  /// Drops a holder; the last one frees the counters.
  void release() noexcept {
    if (holders.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
};

inline AccountingHold::AccountingHold() : accounting_(new StoreAccounting()) {}
inline AccountingHold::~AccountingHold() { accounting_->release(); }

}  // namespace hetsched::detail
