// The oneTBB arenas a multi-CPU GPU task's body runs in. Such a body may split its host work with oneTBB
// (tbb::parallel_for, ...), and the helper threads that join it run CUDA calls too: a launch on ctx.stream(), a
// cudaMemcpyAsync, a library call. CUDA's current device is per thread, so every one of them must have the task's
// device current while it works for the body. The CPU executor's arenas are cached per CPU share and reused for
// every device, so they cannot know it; these are cached per (CPU share, device) on each thread, and an observer on
// each makes its device current on every thread that enters it and gives the thread its own device back when it
// leaves.
#pragma once

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/task_arena.h>

#include <map>
#include <memory>
#include <utility>

#include "exec/body_concurrency.hpp"
#include "exec/gpu_streams.hpp"
#include "hetsched/detail/task.hpp"

namespace hetsched::detail {

class DeviceArenas {
 public:
  /// Arenas whose threads are switched to their device by `make_current` (null: nothing is switched).
  explicit DeviceArenas(DeviceSwitch make_current);
  ~DeviceArenas();
  DeviceArenas(const DeviceArenas&) = delete;
  DeviceArenas& operator=(const DeviceArenas&) = delete;

  /// Runs `body` on this thread in an arena of `concurrency` threads, every one of which has GPU `device` current
  /// while it is in the arena; returns what `body` returns and passes its exceptions on.
  template <class Body>
  decltype(auto) run(int concurrency, int device, Body&& body) {
    return arena(concurrency, device).execute(std::forward<Body>(body));
  }

 private:
  class BoundArena;
  tbb::task_arena& arena(int concurrency, int device);

  DeviceSwitch make_current_;
  /// Per thread (an arena reserves one slot for the thread that enters it, which must never wait for it).
  tbb::enumerable_thread_specific<std::map<std::pair<int, int>, std::unique_ptr<BoundArena>>> arenas_;
};

}  // namespace hetsched::detail
