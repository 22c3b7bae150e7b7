#include "exec/device_arenas.hpp"

#include <oneapi/tbb/task_scheduler_observer.h>

#include <algorithm>
#include <vector>

#include "exec/tsan_annotations.hpp"
#include "hetsched/detail/resource_demand.hpp"

namespace hetsched::detail {
namespace {

/// The device each thread had current before it entered each device arena it is in now, innermost last (a thread
/// may enter one from inside another: a helper that blocks in get and runs a GPU task inline). -1: none to restore.
thread_local std::vector<int> devices_before_entry;

}  // namespace

/// An arena and the observer that switches the device of the threads entering it. The observer is declared after
/// the arena, so it stops observing before the arena goes.
class DeviceArenas::BoundArena {
 public:
  BoundArena(int concurrency, int device, DeviceSwitch make_current)
      : arena_(concurrency, 1), observer_(arena_, device, make_current) {}

  tbb::task_arena& arena() noexcept { return arena_; }

 private:
  class Observer final : public tbb::task_scheduler_observer {
   public:
    Observer(tbb::task_arena& arena, int device, DeviceSwitch make_current)
        : tbb::task_scheduler_observer(arena), device_(device), make_current_(make_current) {
      annotate_happens_before(this);  // libtbb (uninstrumented) hands this object to the threads that call it back
      observe(true);
    }
    ~Observer() override { observe(false); }  // before this object's members go: no callback may run after
    Observer(const Observer&) = delete;
    Observer& operator=(const Observer&) = delete;

    void on_scheduler_entry(bool) override {
      annotate_happens_after(this);
      devices_before_entry.push_back(make_current_ != nullptr ? make_current_(device_) : -1);
    }
    void on_scheduler_exit(bool) override {
      annotate_happens_after(this);
      if (devices_before_entry.empty()) return;  // oneTBB pairs exits with entries; this only guards the stack
      const int before = devices_before_entry.back();
      devices_before_entry.pop_back();
      if (before >= 0 && before != device_) make_current_(before);
    }

   private:
    int device_;
    DeviceSwitch make_current_;
  };

  tbb::task_arena arena_;
  Observer observer_;
};

DeviceArenas::DeviceArenas(DeviceSwitch make_current) : make_current_(make_current) {}

DeviceArenas::~DeviceArenas() = default;

tbb::task_arena& DeviceArenas::arena(int concurrency, int device) {
  std::unique_ptr<BoundArena>& slot = arenas_.local()[{concurrency, device}];
  if (!slot) slot = std::make_unique<BoundArena>(concurrency, device, make_current_);
  return slot->arena();
}

}  // namespace hetsched::detail
