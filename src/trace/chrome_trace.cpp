#include "trace/chrome_trace.hpp"

#include <fstream>

#include "hetsched/error.hpp"

namespace hetsched::detail {
namespace {

using nlohmann::json;

/// Trace Event Format timestamps are microseconds.
double micros(double seconds) noexcept { return seconds * 1e6; }

}  // namespace

void ChromeTrace::name_process(int pid, const std::string& name) {
  events_.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", pid}, {"tid", 0}, {"args", {{"name", name}}}});
}

void ChromeTrace::name_lane(int pid, int tid, const std::string& name, int sort_index) {
  events_.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", pid}, {"tid", tid}, {"args", {{"name", name}}}});
  events_.push_back({{"ph", "M"},
                     {"name", "thread_sort_index"},
                     {"pid", pid},
                     {"tid", tid},
                     {"args", {{"sort_index", sort_index}}}});
}

void ChromeTrace::complete(int pid, int tid, const std::string& name, const std::string& category, double start_s,
                           double duration_s, json args) {
  events_.push_back({{"ph", "X"},
                     {"name", name},
                     {"cat", category},
                     {"pid", pid},
                     {"tid", tid},
                     {"ts", micros(start_s)},
                     {"dur", micros(duration_s)},
                     {"args", std::move(args)}});
}

void ChromeTrace::instant(int pid, int tid, const std::string& name, const std::string& category, double at_s,
                          json args) {
  events_.push_back({{"ph", "i"},
                     {"s", "t"},
                     {"name", name},
                     {"cat", category},
                     {"pid", pid},
                     {"tid", tid},
                     {"ts", micros(at_s)},
                     {"args", std::move(args)}});
}

void ChromeTrace::flow(int from_pid, int from_tid, double from_s, int to_pid, int to_tid, double to_s,
                       const std::string& name) {
  const std::uint64_t id = next_flow_++;
  events_.push_back({{"ph", "s"}, {"id", id}, {"name", name}, {"cat", "flow"}, {"pid", from_pid}, {"tid", from_tid},
                     {"ts", micros(from_s)}});
  // "bp": "e" binds the arrow's head to the slice enclosing `to_s` (the event it points at starts there).
  events_.push_back({{"ph", "f"}, {"bp", "e"}, {"id", id}, {"name", name}, {"cat", "flow"}, {"pid", to_pid},
                     {"tid", to_tid}, {"ts", micros(to_s)}});
}

json ChromeTrace::to_json() const { return {{"traceEvents", events_}, {"displayTimeUnit", "ms"}}; }

void ChromeTrace::write(const std::string& path) const { write_json(to_json(), path); }

void ChromeTrace::write_json(const json& trace, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  if (!(out << trace.dump()) || !out.flush()) {
    throw UsageError("cannot write the trace to '" + path + "'; check that its directory exists and is writable");
  }
}

}  // namespace hetsched::detail
