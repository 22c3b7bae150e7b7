// The advisor (hetsched/advice.hpp): the detectors of the known performance mistakes, one per file in this
// directory, fed by small hooks on the task path, and the sink each mistake is reported to once. The hooks: a
// submitted task (RuntimeCore::submit), a get of one ref or of several (core_api.cpp), a sampled CPU body's duration
// (RuntimeCore::run_claimed), a sampled GPU body's stream facts (GpuTaskRunner), a buffer use that copied its buffer
// (the BufferStore's watcher), any other call of the runtime (put, wait) and the runtime's shutdown. Silenced (no
// sink), the core skips every hook on one branch.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "advice/get_all_then_process.hpp"
#include "advice/idle_stream.hpp"
#include "advice/moving_buffers.hpp"
#include "advice/repeated_values.hpp"
#include "advice/serial_gets.hpp"
#include "advice/tiny_tasks.hpp"
#include "hetsched/advice.hpp"
#include "hetsched/detail/object_entry.hpp"
#include "hetsched/detail/task.hpp"
#include "store/buffer_use_watcher.hpp"

namespace hetsched::detail {

/// One runtime's advisor. Thread-safe: every hook may be called from any thread.
class Advisor final : public BufferUseWatcher {
 public:
  /// Reports to `sink` (none: silenced); `cpu_units` and `gpus` are the runtime's totals.
  Advisor(AdviceSink sink, std::int64_t cpu_units, int gpus);

  /// Whether it reports at all; every hook below may be called only when it does.
  bool on() const noexcept { return on_; }
  /// Whether `kind` is still to be looked for: on, and not reported yet (a reported mistake's check stops).
  bool watching(AdviceKind kind) const noexcept {
    return on_ && !reported_[static_cast<std::size_t>(kind)].load(std::memory_order_relaxed);
  }

  /// `task` is being submitted from this thread (its value arguments are in it; nothing else has seen it yet).
  void submitted(const Task& task);
  /// This thread's get of one object starts (`was_done`: it is ready already); `in_flight`: the runtime's tasks in
  /// flight now, its producer's included when it is not ready.
  void got_one(const ObjectEntry& entry, bool was_done, std::int64_t in_flight);
  /// Blocks until every entry is done, as wait_for_count(entries, all) would, measuring how long the first results
  /// sat ready; returns what wait_for_count returns.
  bool wait_for_all(std::span<ObjectEntry* const> entries, std::optional<std::chrono::steady_clock::time_point> deadline,
                    bool run_producers);
  /// This thread calls the runtime otherwise (put, wait) or destroys it: ends a pending get-all check.
  void next_call() noexcept;
  /// A sampled CPU body of `task` (TinyTasks::sample said so) ran for `took`.
  void body_timed(const Task& task, std::chrono::nanoseconds took) noexcept;
  /// Whether to check the GPU body about to run (IdleStreams).
  bool sample_gpu_body() noexcept {
    return watching(AdviceKind::gpu_task_off_its_stream) && idle_streams_.sample();
  }
  /// What a checked GPU body of `task` left on its device.
  void gpu_body_checked(const Task& task, const StreamFacts& facts) noexcept;
  void buffer_moved(const BufferMove& move) noexcept override;

  /// Sends the message `make()` returns to the sink unless `kind` was reported already by this runtime (a message
  /// that cannot be made, out of memory, is lost).
  template <class MakeMessage>
  void report(AdviceKind kind, MakeMessage make) noexcept {
    if (reported_[static_cast<std::size_t>(kind)].exchange(true, std::memory_order_relaxed)) return;
    try {
      const std::string message = make();
      std::lock_guard lock(sink_mutex_);
      sink_(Advice{kind, message});
    } catch (...) {
      // A sink that throws, or no memory for the message: the report is lost, the program's work goes on.
    }
  }

 private:
  bool room_for_two(const ResourceDemand& demand) const noexcept;

  AdviceSink sink_;
  const bool on_;
  const std::int64_t cpu_units_;
  const int gpus_;
  std::array<std::atomic<bool>, 6> reported_{};
  std::recursive_mutex sink_mutex_;  // one report at a time; a sink calling the runtime may report again
  SerialGets serial_gets_;
  TinyTasks tiny_tasks_;
  RepeatedValues repeated_values_;
  GetAllThenProcess get_all_;
  IdleStreams idle_streams_;
};

}  // namespace hetsched::detail
