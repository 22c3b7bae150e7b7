// Object lifecycle: publication, waiters and the producer link.
#include "hetsched/detail/object_entry.hpp"

#include <algorithm>
#include <utility>

#include "hetsched/detail/task.hpp"
#include "store/accounting.hpp"

namespace hetsched::detail {

ObjectEntry::~ObjectEntry() {
  if (accounting_) accounting_->listed.remove(*this);
  if (budgeted_) accounting_->budget->leave_unspillable(bytes_);
  if (accounting_) {
    if (bytes_ != 0) accounting_->bytes.fetch_sub(bytes_, std::memory_order_relaxed);
    accounting_->release();
  }
  if (producer_) producer_->release();
  delete more_waiters_;
}

void ObjectEntry::adopt(std::uint64_t id, StoreAccounting* accounting) noexcept {
  id_ = id;
  accounting_ = accounting;
  accounting_->retain();
  accounting_->listed.add(*this);
}

void ObjectEntry::enter_budget(std::size_t bytes) {
  if (!accounting_ || !accounting_->budget) return;
  switch (budget_kind()) {
    case BudgetKind::spillable:
      // A type's own estimate of its heap bytes may be missing (object_size sees only sizeof): its serialized size
      // is a better one.
      spill_slot_ = accounting_->budget->admit(*this, std::max(bytes, spilled_size()), id_);
      break;
    case BudgetKind::unspillable:
      if (bytes == 0) break;  // nothing to count (a void result): no shared counter touched per empty task
      accounting_->budget->admit_unspillable(bytes, id_);
      budgeted_ = true;
      break;
    case BudgetKind::not_counted:
      break;
  }
}

void ObjectEntry::leave_budget() noexcept { accounting_->budget->leave(std::exchange(spill_slot_, nullptr)); }

void ObjectEntry::pin_value() { accounting_->budget->pin(*spill_slot_, id_); }

void ObjectEntry::unpin_value() noexcept { accounting_->budget->unpin(*spill_slot_); }

void ObjectEntry::keep_value_resident() { accounting_->budget->keep_resident(*spill_slot_, id_); }

void ObjectEntry::mark_ready(std::size_t bytes) noexcept {
  bytes_ = bytes;
  if (accounting_ && bytes != 0) accounting_->bytes.fetch_add(bytes, std::memory_order_relaxed);
  complete(ObjectState::ready);
}

void ObjectEntry::mark_failed(std::exception_ptr error) noexcept {
  error_ = std::move(error);
  complete(ObjectState::failed);
}

void ObjectEntry::complete(ObjectState state) noexcept {
  Task* producer = nullptr;
  std::vector<ObjectWaiter*>* more = nullptr;
  {
    std::lock_guard lock(lock_);
    state_.store(state, std::memory_order_release);
    producer = std::exchange(producer_, nullptr);
    // Waiters are called under the lock so that remove_waiter() guarantees no call after it returns.
    if (ObjectWaiter* first = std::exchange(first_waiter_, nullptr)) first->object_completed();
    more = std::exchange(more_waiters_, nullptr);  // a done object never gets waiters again
    if (more) {
      for (ObjectWaiter* waiter : *more) waiter->object_completed();
    }
  }
  delete more;
  if (producer) producer->release();
}

bool ObjectEntry::add_waiter(ObjectWaiter* waiter) {
  std::lock_guard lock(lock_);
  if (state_.load(std::memory_order_relaxed) != ObjectState::pending) return false;
  if (!first_waiter_) {
    first_waiter_ = waiter;
  } else {
    if (!more_waiters_) more_waiters_ = new std::vector<ObjectWaiter*>();
    more_waiters_->push_back(waiter);
  }
  return true;
}

void ObjectEntry::remove_waiter(ObjectWaiter* waiter) noexcept {
  std::lock_guard lock(lock_);
  if (first_waiter_ == waiter) {
    first_waiter_ = nullptr;
    return;
  }
  if (!more_waiters_) return;
  auto it = std::find(more_waiters_->begin(), more_waiters_->end(), waiter);
  if (it != more_waiters_->end()) more_waiters_->erase(it);
}

void ObjectEntry::set_producer(Task* task) noexcept {
  // Called at submission, before the entry's ref is handed to anyone: no other thread can see it yet.
  task->retain();
  producer_ = task;
}

Task* ObjectEntry::acquire_producer() noexcept {
  std::lock_guard lock(lock_);
  if (producer_) producer_->retain();
  return producer_;
}

}  // namespace hetsched::detail
