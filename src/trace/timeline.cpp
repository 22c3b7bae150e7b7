#include "trace/timeline.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "task/task_description.hpp"
#include "task/task_state.hpp"
#include "trace/chrome_trace.hpp"

namespace hetsched::detail {
namespace {

using nlohmann::json;

std::atomic<std::uint64_t> next_timeline_id{1};

// Lane numbers (Chrome trace tids) of one runtime's process: CPU worker threads, then per GPU its copy lane and its
// stream lanes. A GPU task is recorded on its GPU's first stream lane; to_json spreads each GPU's tasks over as many
// stream lanes as ran at once (assign_stream_lanes), since tasks sharing a GPU run concurrently, each on a stream.
constexpr int process = 1;
constexpr int host_copies_lane = 9999;
constexpr int lanes_per_gpu = 1000;
int cpu_lane(int worker) noexcept { return 1 + worker; }
int gpu_copies_lane(int device) noexcept { return 10000 + lanes_per_gpu * device; }
int gpu_stream_lane(int device, int slot) noexcept { return gpu_copies_lane(device) + 1 + slot; }
int gpu_lane(int device) noexcept { return gpu_stream_lane(device, 0); }
bool is_gpu_stream_lane(int lane) noexcept { return lane > host_copies_lane && (lane - 10000) % lanes_per_gpu != 0; }

std::string lane_name(int lane) {
  if (lane == host_copies_lane) return "host copies";
  if (lane < host_copies_lane) return "CPU worker " + std::to_string(lane - 1);
  const int device = (lane - 10000) / lanes_per_gpu;
  const int slot = (lane - 10000) % lanes_per_gpu - 1;
  return "GPU " + std::to_string(device) + (slot < 0 ? " copies" : " stream " + std::to_string(slot));
}

std::string node_name(int node) { return node < 0 ? "host" : "GPU " + std::to_string(node); }

}  // namespace

struct Timeline::Event {
  enum class Kind : std::uint8_t { task, copy, eviction };
  Kind kind = Kind::task;
  bool flag = false;  // a task: it failed; an eviction: the replica was written back first
  TaskRole role = TaskRole::plain;
  std::int8_t variant = -1;  // a variants task's body: 0 CPU, 1 GPU; -1 for other tasks
  int lane = 0;
  int from = 0;  // a copy's nodes; an eviction's device is `from`
  int to = 0;
  std::uint64_t bytes = 0;  // a task's input bytes, a copy's or an eviction's bytes
  std::uint64_t result = 0;
  TimePoint start;
  TimePoint end;
  std::string name;
  ResourceDemand demand;
  std::vector<std::uint64_t> produces;  // a task's result and buffer-completion ids
  std::vector<std::uint64_t> consumes;  // what it waited for

  /// The event's details, as the trace shows them.
  json args() const {
    switch (kind) {
      case Kind::copy:
        return {{"bytes", bytes}, {"from", node_name(from)}, {"to", node_name(to)}};
      case Kind::eviction:
        return {{"bytes", bytes}, {"device", from}, {"written_back", flag}};
      case Kind::task:
        break;
    }
    json details = {{"name", name},         {"kind", kind_name(role)}, {"demand", demand_by_name(demand)},
                    {"input_bytes", bytes}, {"result", result},        {"failed", flag}};
    if (variant >= 0) details["variant"] = variant == 1 ? "gpu" : "cpu";
    return details;
  }
};

struct Timeline::ThreadEvents {
  std::mutex mutex;  // the owning thread appends, the writer reads at the end: almost never contended
  std::vector<Event> events;
  int worker = 0;  // its CPU lane
};

Timeline::Timeline() : id_(next_timeline_id.fetch_add(1, std::memory_order_relaxed)), origin_(std::chrono::steady_clock::now()) {}

Timeline::~Timeline() = default;

void Timeline::record_to(std::string path) {
  std::lock_guard lock(mutex_);
  path_ = std::move(path);
  on_.store(true, std::memory_order_relaxed);
}

Timeline::ThreadEvents& Timeline::mine() {
  // A few recent timelines per thread; an id is never reused, so a stale entry never matches.
  struct Cached {
    std::uint64_t timeline = 0;
    ThreadEvents* events = nullptr;
  };
  static thread_local std::array<Cached, 4> cache;
  static thread_local std::size_t next_slot = 0;
  for (const Cached& entry : cache) {
    if (entry.timeline == id_) return *entry.events;
  }
  auto made = std::make_unique<ThreadEvents>();
  ThreadEvents& events = *made;
  {
    std::lock_guard lock(mutex_);
    made->worker = next_cpu_lane_++;
    threads_.push_back(std::move(made));
  }
  cache[next_slot++ % cache.size()] = {id_, &events};
  return events;
}

void Timeline::add(Event event) noexcept {
  try {
    ThreadEvents& events = mine();
    std::lock_guard lock(events.mutex);
    events.events.push_back(std::move(event));
  } catch (...) {
    // Out of memory: the event is lost, the program goes on.
  }
}

void Timeline::add_task(Task& task, int lane, TimePoint start, TimePoint end, bool failed) noexcept {
  try {
    Event event;
    event.kind = Event::Kind::task;
    event.flag = failed;
    event.role = task.role;
    if (task.gpu_body_demand()) event.variant = task.demand.gpu > 0 ? 1 : 0;
    event.start = start;
    event.end = end;
    event.name = task.name;
    event.demand = task.demand;
    event.result = task.result->id();
    for (ObjectEntry* input : task.inputs()) {
      event.bytes += input->size_bytes();
      event.consumes.push_back(input->id());
    }
    for (const OrderingDependency& earlier : state_of(task).ordering()) event.consumes.push_back(earlier.done->id());
    event.produces.push_back(event.result);
    if (ObjectEntry* completion = state_of(task).completion()) event.produces.push_back(completion->id());
    ThreadEvents& events = mine();
    event.lane = lane == -1 ? cpu_lane(events.worker) : lane;
    std::lock_guard lock(events.mutex);
    events.events.push_back(std::move(event));
  } catch (...) {
    // Out of memory: the event is lost, the program goes on.
  }
}

void Timeline::task_ran(Task& task, int node, TimePoint start, bool failed) noexcept {
  add_task(task, node < 0 ? -1 : gpu_lane(node), start, std::chrono::steady_clock::now(), failed);
}

void Timeline::gpu_task_done(Task& task, int device, TimePoint start, bool failed) noexcept {
  add_task(task, gpu_lane(device), start, std::chrono::steady_clock::now(), failed);
}

void Timeline::copied(int from, int to, std::size_t bytes, TimePoint start, TimePoint end) noexcept {
  if (!on()) return;
  try {
    Event event;
    event.kind = Event::Kind::copy;
    event.lane = to < 0 ? host_copies_lane : gpu_copies_lane(to);
    event.start = start;
    event.end = end;
    event.name = "copy " + node_name(from) + " -> " + node_name(to);
    event.from = from;
    event.to = to;
    event.bytes = bytes;
    add(std::move(event));
  } catch (...) {
  }
}

void Timeline::evicted(int device, std::size_t bytes, bool written_back, TimePoint at) noexcept {
  if (!on()) return;
  try {
    Event event;
    event.kind = Event::Kind::eviction;
    event.lane = gpu_copies_lane(device);
    event.start = event.end = at;
    event.name = "evict";
    event.from = device;
    event.bytes = bytes;
    event.flag = written_back;
    add(std::move(event));
  } catch (...) {
  }
}

json Timeline::to_json() const {
  std::vector<Event> events;
  {
    std::lock_guard lock(mutex_);
    for (const auto& thread : threads_) {
      std::lock_guard thread_lock(thread->mutex);
      events.insert(events.end(), thread->events.begin(), thread->events.end());
    }
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.start < b.start; });
  assign_stream_lanes(events);
  auto seconds = [&](TimePoint at) { return std::chrono::duration<double>(at - origin_).count(); };

  ChromeTrace trace;
  trace.name_process(process, "hetsched");
  std::set<int> lanes;
  for (const Event& event : events) lanes.insert(event.lane);
  for (int lane : lanes) trace.name_lane(process, lane, lane_name(lane), lane);

  std::unordered_map<std::uint64_t, const Event*> producer;  // a retried task's last run wins
  for (const Event& event : events) {
    const double start = seconds(event.start);
    if (event.kind == Event::Kind::eviction) {
      trace.instant(process, event.lane, event.name, "eviction", start, event.args());
      continue;
    }
    trace.complete(process, event.lane, event.name, event.kind == Event::Kind::task ? "task" : "transfer", start,
                   seconds(event.end) - start, event.args());
    for (std::uint64_t id : event.produces) producer[id] = &event;
  }
  for (const Event& event : events) {
    for (std::uint64_t id : event.consumes) {
      auto found = producer.find(id);
      if (found == producer.end() || found->second == &event) continue;  // a put() object, or not recorded
      const Event& from = *found->second;
      trace.flow(process, from.lane, seconds(from.start), process, event.lane, seconds(event.start), "dependency");
    }
  }
  return trace.to_json();
}

void Timeline::assign_stream_lanes(std::vector<Event>& events) {
  // Interval partitioning, in order of start: each GPU task goes to its GPU's first stream lane that is free by then.
  std::map<int, std::vector<TimePoint>> busy_until;  // per GPU, per stream lane
  for (Event& event : events) {
    if (event.kind != Event::Kind::task || !is_gpu_stream_lane(event.lane)) continue;
    const int device = (event.lane - 10000) / lanes_per_gpu;
    std::vector<TimePoint>& lanes = busy_until[device];
    auto free = std::find_if(lanes.begin(), lanes.end(), [&](TimePoint end) { return end <= event.start; });
    if (free == lanes.end()) free = lanes.insert(lanes.end(), event.end);
    *free = event.end;
    event.lane = gpu_stream_lane(device, static_cast<int>(free - lanes.begin()));
  }
}

void Timeline::write_at_shutdown() const noexcept {
  std::string path;
  {
    std::lock_guard lock(mutex_);
    path = path_;
  }
  if (path.empty()) return;
  try {
    ChromeTrace::write_json(to_json(), path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hetsched: warning: the timeline was not written: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "hetsched: warning: the timeline was not written to '%s'\n", path.c_str());
  }
}

}  // namespace hetsched::detail
