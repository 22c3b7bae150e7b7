#include "real_run.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <queue>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "hetsched/buffer.hpp"
#include "hetsched/error.hpp"
#include "hetsched/task_context.hpp"
#include "hetsched/variants.hpp"

namespace hetsched::bench {
namespace {

using Clock = std::chrono::steady_clock;
using BufferRef = ObjectRef<Buffer<unsigned char>>;

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

/// What one body saw of itself.
struct BodyRecord {
  Clock::time_point start;
  Clock::time_point end;
  int gpu = -1;      // -1: the CPU body ran
  bool ran = false;
};

/// Writes a byte in each page of a buffer the task writes, as a kernel writing its output would: the memory is then
/// in use (a logical GPU's replica is host memory, whose pages are only made on their first write), so that when the
/// store reuses it for a later copy, that copy runs at the speed of memory in use, as it would on a GPU.
template <class Span>
void touch_if_written(const Span& span) {
  if constexpr (!std::is_const_v<typename Span::element_type>) {
    constexpr std::size_t page = 4096;
    for (std::size_t at = 0; at < span.size(); at += page) span[at] = 1;
  }
}

/// A task's body: writes into its output buffers' pages, sleeps for the rest of the modelled time of the body the
/// runtime chose, and records when and where it ran.
struct SleepBody {
  BodyRecord* record;
  double cpu_s;
  double gpu_s;

  template <class... Spans>
  std::uint8_t operator()(TaskContext& context, const Spans&... spans) const {
    const bool on_gpu = context.variant() == Variant::gpu;
    const Clock::time_point start = Clock::now();
    (touch_if_written(spans), ...);
    const std::chrono::duration<double> modelled(on_gpu ? gpu_s : cpu_s);
    std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(modelled));
    record->end = Clock::now();
    record->start = start;
    record->gpu = on_gpu ? context.gpu_ids().front() : -1;
    record->ran = true;
    return 0;
  }
};

/// Which bodies a task has on this machine.
enum class Bodies : std::uint8_t { cpu, gpu, both };

/// One task to submit: its body, demand shape, settings and buffers sorted by access.
struct Submission {
  Runtime& runtime;
  SleepBody body;
  Bodies bodies;
  const std::string& name;
  int priority;
  const std::string& policy;
  const std::vector<BufferRef>& buffers;
  std::array<std::uint32_t, real_run_most_reads> reads{};
  std::array<std::uint32_t, real_run_most_read_writes> read_writes{};
  std::array<std::uint32_t, real_run_most_writes> writes{};
};

/// Submits a task with R reads, RW read-writes and W writes.
template <std::size_t R, std::size_t RW, std::size_t W>
ObjectRef<std::uint8_t> submit_shape(const Submission& s) {
  return [&]<std::size_t... I, std::size_t... J, std::size_t... K>(
             std::index_sequence<I...>, std::index_sequence<J...>, std::index_sequence<K...>) {
    auto remote = [&](auto&& builder) {
      return builder.name(s.name).priority(s.priority).policy(s.policy).remote(
          hetsched::read(s.buffers[s.reads[I]])..., hetsched::read_write(s.buffers[s.read_writes[J]])...,
          hetsched::write(s.buffers[s.writes[K]])...);
    };
    switch (s.bodies) {
      case Bodies::cpu: return remote(s.runtime.task(s.body).cpus(1));
      case Bodies::gpu: return remote(s.runtime.task(s.body).cpus(0).gpus(1));
      case Bodies::both: break;
    }
    return remote(s.runtime.task(hetsched::variants(s.body, s.body)).cpus(1).gpus(1));
  }(std::make_index_sequence<R>(), std::make_index_sequence<RW>(), std::make_index_sequence<W>());
}

using SubmitShape = ObjectRef<std::uint8_t> (*)(const Submission&);
constexpr std::size_t read_write_choices = real_run_most_read_writes + 1;
constexpr std::size_t write_choices = real_run_most_writes + 1;

template <std::size_t... N>
constexpr std::array<SubmitShape, sizeof...(N)> shape_table(std::index_sequence<N...>) {
  return {&submit_shape<N / (read_write_choices * write_choices), N / write_choices % read_write_choices,
                        N % write_choices>...};
}

constexpr auto submit_shapes =
    shape_table(std::make_index_sequence<(real_run_most_reads + 1) * read_write_choices * write_choices>());

/// Gives each CPU body a lane (the runtime does not number its CPU slots): the free lane that was freed first.
void assign_cpu_lanes(Schedule& schedule) {
  std::vector<std::uint32_t> cpu_tasks;
  for (std::uint32_t t = 0; t < schedule.runs.size(); ++t) {
    if (schedule.runs[t].gpu < 0) cpu_tasks.push_back(t);
  }
  std::sort(cpu_tasks.begin(), cpu_tasks.end(),
            [&](std::uint32_t a, std::uint32_t b) { return schedule.runs[a].start_s < schedule.runs[b].start_s; });
  using Lane = std::pair<double, int>;  // (free from, lane)
  std::priority_queue<Lane, std::vector<Lane>, std::greater<>> lanes;
  int lane_count = 0;
  for (std::uint32_t t : cpu_tasks) {
    TaskRun& run = schedule.runs[t];
    if (!lanes.empty() && lanes.top().first <= run.start_s) {
      run.cpu_slot = lanes.top().second;
      lanes.pop();
    } else {
      run.cpu_slot = lane_count++;
    }
    lanes.push({run.end_s, run.cpu_slot});
    if (schedule.cpu_busy_s.size() <= static_cast<std::size_t>(run.cpu_slot)) {
      schedule.cpu_busy_s.resize(static_cast<std::size_t>(run.cpu_slot) + 1, 0.0);
    }
    schedule.cpu_busy_s[static_cast<std::size_t>(run.cpu_slot)] += run.end_s - run.start_s;
  }
}

}  // namespace

void check_runnable(const TaskGraph& graph) {
  if (graph.explicit_dependencies > 0) {
    throw UsageError("--machine detected runs graphs whose dependencies all come from their buffers, and this one "
                     "has " +
                     std::to_string(graph.explicit_dependencies) +
                     " given as \"deps\"; replace each by a buffer the earlier task writes and the later one reads");
  }
  for (std::uint32_t t = 0; t < graph.size(); ++t) {
    std::array<std::uint32_t, 3> counts{};  // by Access
    for (std::uint32_t i = graph.use_offsets[t]; i < graph.use_offsets[t + 1]; ++i) {
      ++counts[static_cast<std::size_t>(graph.uses[i].access)];
    }
    if (counts[0] > real_run_most_reads || counts[2] > real_run_most_read_writes || counts[1] > real_run_most_writes) {
      throw UsageError("--machine detected runs tasks with at most " + std::to_string(real_run_most_reads) +
                       " buffers read, " + std::to_string(real_run_most_read_writes) + " read and written and " +
                       std::to_string(real_run_most_writes) + " written; task '" + graph.task_name(t) + "' has " +
                       std::to_string(counts[0]) + ", " + std::to_string(counts[2]) + " and " +
                       std::to_string(counts[1]) + " (for a random DAG, lower --fan-in)");
    }
  }
}

RealRun run_for_real(const TaskGraph& graph, const TaskTimes& times, Runtime& runtime, const std::string& policy) {
  check_runnable(graph);
  std::vector<BufferRef> buffers;
  buffers.reserve(graph.buffer_bytes.size());
  for (std::uint64_t bytes : graph.buffer_bytes) {
    const auto size = static_cast<std::size_t>(std::max<std::uint64_t>(bytes, 1));
    buffers.push_back(runtime.put_buffer(std::vector<unsigned char>(size)));
  }
  std::vector<BodyRecord> records(graph.size());
  std::vector<ObjectRef<std::uint8_t>> done;
  done.reserve(graph.size());
  const StoreStats before = runtime.store_stats();
  const Clock::time_point epoch = Clock::now();
  for (std::uint32_t t = 0; t < graph.size(); ++t) {
    const bool cpu = times.cpu_s[t] >= 0;
    const bool gpu = times.gpu_s[t] >= 0;
    Submission s{runtime,
                 {&records[t], times.cpu_s[t], times.gpu_s[t]},
                 cpu && gpu ? Bodies::both : (cpu ? Bodies::cpu : Bodies::gpu),
                 graph.kind_names[graph.tasks[t].kind],
                 graph.tasks[t].priority,
                 policy,
                 buffers};
    std::array<std::size_t, 3> counts{};  // reads, read-writes, writes
    for (std::uint32_t i = graph.use_offsets[t]; i < graph.use_offsets[t + 1]; ++i) {
      const BufferUse& use = graph.uses[i];
      if (use.access == Access::read) s.reads[counts[0]++] = use.buffer;
      else if (use.access == Access::read_write) s.read_writes[counts[1]++] = use.buffer;
      else s.writes[counts[2]++] = use.buffer;
    }
    done.push_back(submit_shapes[(counts[0] * read_write_choices + counts[1]) * write_choices + counts[2]](s));
  }
  RealRun real;
  real.submit_s = seconds_between(epoch, Clock::now());
  runtime.get(done);
  Schedule& schedule = real.schedule;
  schedule.policy = policy;
  schedule.makespan_s = seconds_between(epoch, Clock::now());
  const StoreStats after = runtime.store_stats();
  schedule.bytes_moved = {after.bytes_host_to_device - before.bytes_host_to_device,
                          after.bytes_device_to_host - before.bytes_device_to_host,
                          after.bytes_device_to_device - before.bytes_device_to_device};
  schedule.evictions = after.evictions - before.evictions;
  schedule.runs.resize(graph.size());
  const auto totals = runtime.total_resources();
  schedule.cpu_busy_s.assign(static_cast<std::size_t>(totals.at("CPU")), 0.0);
  schedule.gpu_busy_s.assign(totals.contains("GPU") ? static_cast<std::size_t>(totals.at("GPU")) : 0, 0.0);
  double overrun = 0;
  for (std::uint32_t t = 0; t < graph.size(); ++t) {
    const BodyRecord& record = records[t];
    if (!record.ran) continue;
    ++real.tasks_ran;
    TaskRun& run = schedule.runs[t];
    run.gpu = record.gpu;
    run.placed_s = run.start_s = seconds_between(epoch, record.start);
    run.end_s = seconds_between(epoch, record.end);
    real.last_body_end_s = std::max(real.last_body_end_s, run.end_s);
    overrun += run.end_s - run.start_s - (run.gpu < 0 ? times.cpu_s[t] : times.gpu_s[t]);
    if (run.gpu < 0) {
      ++schedule.cpu_tasks;
    } else {
      ++schedule.gpu_tasks;
      schedule.gpu_busy_s[static_cast<std::size_t>(run.gpu)] += run.end_s - run.start_s;
    }
  }
  real.mean_overrun_s = real.tasks_ran > 0 ? overrun / static_cast<double>(real.tasks_ran) : 0;
  assign_cpu_lanes(schedule);
  schedule.task_events = 2 * real.tasks_ran;
  return real;
}

}  // namespace hetsched::bench
