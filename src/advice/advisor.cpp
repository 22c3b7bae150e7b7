#include "advice/advisor.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <utility>

#include "hetsched/detail/core_api.hpp"

namespace hetsched::detail {
namespace {

using Clock = std::chrono::steady_clock;

std::string bytes_text(std::size_t bytes) {
  char text[32];
  if (bytes >= 1000000) {
    std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  } else {
    std::snprintf(text, sizeof text, "%.1f kB", static_cast<double>(bytes) / 1e3);
  }
  return text;
}

std::string duration_text(std::chrono::nanoseconds duration) {
  const double seconds = std::chrono::duration<double>(duration).count();
  char text[32];
  if (seconds >= 1) {
    std::snprintf(text, sizeof text, "%.2f s", seconds);
  } else if (seconds >= 1e-3) {
    std::snprintf(text, sizeof text, "%.1f ms", seconds * 1e3);
  } else {
    std::snprintf(text, sizeof text, "%.2f us", seconds * 1e6);
  }
  return text;
}

std::string node_text(MemoryNode node) { return node == host_node ? "the host" : "GPU " + std::to_string(node); }

std::atomic<std::uint64_t> next_runtime_number{1};

}  // namespace

Advisor::Advisor(AdviceSink sink, std::int64_t cpu_units, int gpus)
    : sink_(std::move(sink)),
      on_(static_cast<bool>(sink_)),
      cpu_units_(cpu_units),
      gpus_(gpus),
      serial_gets_(next_runtime_number.fetch_add(1, std::memory_order_relaxed)),
      get_all_(next_runtime_number.fetch_add(1, std::memory_order_relaxed)) {}

bool Advisor::room_for_two(const ResourceDemand& demand) const noexcept {
  const bool cpus = demand.cpu == 0 || 2 * demand.cpu <= cpu_units_;
  const bool gpus = demand.gpu == 0 || (demand.gpu < units_per_resource ? 2 * demand.gpu <= units_per_resource || gpus_ >= 2
                                                                        : 2 * demand.gpu <= gpus_ * units_per_resource);
  return cpus && gpus;
}

void Advisor::submitted(const Task& task) {
  next_call();
  if (task.role != TaskRole::plain) return;  // an actor's calls run one after another whoever gets them
  if (watching(AdviceKind::get_in_submit_loop)) serial_gets_.submitted(task.result->id(), room_for_two(task.demand));
  if (!watching(AdviceKind::repeated_large_argument)) return;
  std::span<const std::byte> value = task.largest_value_argument();
  if (value.size() >= RepeatedValues::large && repeated_values_.passed(value)) {
    report(AdviceKind::repeated_large_argument, [&] {
    return "a " + bytes_text(value.size()) + " value was passed by value to task '" + task.name + "' " +
               std::to_string(RepeatedValues::threshold) +
               " times: each remote() copies it into its task. Store it once and pass the ref (seeds/000, tip 3): "
               "auto ref = rt.put(std::move(value)); rt.task(f).remote(ref); the tasks then read the one stored "
               "copy as const T&.";
  });
  }
}

void Advisor::got_one(const ObjectEntry& entry, bool was_done, std::int64_t in_flight) {
  next_call();
  if (watching(AdviceKind::get_in_submit_loop) && serial_gets_.got(entry.id(), !was_done, in_flight > (was_done ? 0 : 1))) {
    report(AdviceKind::get_in_submit_loop, [&] {
    return "get was called on each task right after submitting it, " + std::to_string(SerialGets::threshold) +
               " times in a row, with nothing else running: the tasks ran one at a time although the runtime could "
               "run them together. Submit them all first and get once, after the loop (seeds/000, tip 1): "
               "refs.push_back(rt.task(f).remote(x)) in the loop, then auto values = rt.get(refs). When each step "
               "needs the previous result, pass its ObjectRef to the next task instead of getting it.";
  });
  }
}

bool Advisor::wait_for_all(std::span<ObjectEntry* const> entries, std::optional<Clock::time_point> deadline,
                           bool run_producers) {
  next_call();
  // More refs than twice the CPU slots: the tasks run in waves, so their results come in a stream whatever their
  // durations, and wait(refs, 1) over that many refs is no better advice (each call looks at them all).
  const auto slots = static_cast<std::size_t>(std::max<std::int64_t>(cpu_units_ / units_per_resource, 1));
  std::size_t done = 0;
  const bool judged = watching(AdviceKind::get_all_then_process) && entries.size() >= 2 && entries.size() <= 2 * slots;
  if (judged) {
    for (ObjectEntry* entry : entries) done += entry->is_done();
  }
  if (!judged || done == entries.size()) return wait_for_count(entries, entries.size(), deadline, run_producers);
  const Clock::time_point called = Clock::now();
  Clock::time_point first_ready = called;
  if (done == 0) {
    // The first result without running producers on this thread (as wait(refs, 1) does): one run here would hold
    // this thread past the moment the first result elsewhere is ready, and hide how long it sat there.
    if (!wait_for_count(entries, 1, deadline, false)) return false;
    first_ready = Clock::now();
  }
  if (!wait_for_count(entries, entries.size(), deadline, run_producers)) return false;
  const Clock::time_point last_ready = Clock::now();
  get_all_.returned(last_ready - called, last_ready - first_ready, entries.size());
  return true;
}

void Advisor::next_call() noexcept {
  std::optional<GetAllTimes> times = get_all_.next_call();
  if (!times || !wait_would_help(*times)) return;
  report(AdviceKind::get_all_then_process, [&] {
    return "get of " + std::to_string(times->refs) + " refs waited " + duration_text(times->waited) +
             " for the slowest task while the first result sat ready for " + duration_text(times->first_to_last) +
             ", and the " + duration_text(times->work_after) +
             " of work after it could have overlapped the slower tasks. Process results as they finish (seeds/000, "
             "tip 4): while (!refs.empty()) { auto w = rt.wait(std::move(refs), 1); process(rt.get(w.ready[0])); "
             "refs = std::move(w.not_ready); }";
  });
}

void Advisor::body_timed(const Task& task, std::chrono::nanoseconds took) noexcept {
  if (task.role != TaskRole::plain) return;  // an actor's method is its unit of state: not for batching
  std::chrono::nanoseconds mean{};
  if (!tiny_tasks_.timed(took, mean)) return;
  report(AdviceKind::tiny_tasks, [&] {
    return std::to_string(TinyTasks::threshold) + " sampled task bodies in a row (one in " +
             std::to_string(TinyTasks::sample_every) + " is timed) ran for " + duration_text(mean) +
             " on average, less than the runtime spends dispatching a task (about 1 us): most of the run is "
             "overhead. Give each task more work, for example one task per range of inputs instead of one per input "
             "(seeds/000, tip 2); the last was task '" + task.name + "'.";
  });
}

void Advisor::gpu_body_checked(const Task& task, const StreamFacts& facts) noexcept {
  if (!idle_streams_.checked(facts)) return;
  report(AdviceKind::gpu_task_off_its_stream, [&] {
    return "GPU task '" + task.name + "' returned with nothing on its stream while its device's default stream was "
         "still busy: its work went to the legacy default stream, so the runtime cannot tell when it ends (the result "
         "is published while that work may still run) and nothing overlaps with it. Enqueue on the task's stream: "
         "kernel<<<grid, block, 0, ctx.stream()>>>(...), cudaMemcpyAsync(..., ctx.stream()), "
         "thrust::cuda::par.on(ctx.stream()), cublasSetStream(handle, ctx.stream()).";
  });
}

void Advisor::buffer_moved(const BufferMove& move) noexcept {
  if (!buffer_keeps_moving(move)) return;
  report(AdviceKind::buffer_moves_every_call, [&] {
    return "a Buffer of " + bytes_text(move.bytes) + " was copied between memory nodes for each of its last " +
               std::to_string(move.in_a_row) + " uses (the last from " + node_text(move.from) + " to " +
               node_text(move.to) +
               "): the program moves its data instead of computing on it. Keep the tasks that use it on one device "
               "(.policy(\"locality\"), or cfg.placement_policy = \"locality\", places a task where its buffers "
               "are), and read it on the host (rt.get) after the loop, not inside it.";
  });
}

}  // namespace hetsched::detail
