// A Chrome trace (the JSON Trace Event Format that Perfetto and chrome://tracing open): complete events on named
// lanes, instant events and flow arrows between events. Written for the placement simulator's schedules and the
// runtime's timeline alike; times are given in seconds and written in microseconds.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace hetsched::detail {

/// Builds one trace in memory; not thread-safe (one builder per thread, or lock around it).
class ChromeTrace {
 public:
  /// Names process `pid`, a group of lanes (e.g. one policy's schedule, or one Runtime).
  void name_process(int pid, const std::string& name);
  /// Names lane `tid` of process `pid`; lanes are shown in `sort_index` order.
  void name_lane(int pid, int tid, const std::string& name, int sort_index);
  /// An event `name` of `category` on lane (pid, tid), from `start_s` for `duration_s`, with `args` in its details.
  void complete(int pid, int tid, const std::string& name, const std::string& category, double start_s,
                double duration_s, nlohmann::json args = nlohmann::json::object());
  /// A point in time `name` on lane (pid, tid).
  void instant(int pid, int tid, const std::string& name, const std::string& category, double at_s,
               nlohmann::json args = nlohmann::json::object());
  /// An arrow from the event on lane (from_pid, from_tid) around `from_s` to the one on (to_pid, to_tid) at `to_s`.
  void flow(int from_pid, int from_tid, double from_s, int to_pid, int to_tid, double to_s, const std::string& name);
  /// Events so far.
  std::size_t size() const noexcept { return events_.size(); }
  /// The trace as a JSON object {"traceEvents": [...], "displayTimeUnit": "ms"}.
  nlohmann::json to_json() const;
  /// Writes the trace to `path`; throws UsageError when the file cannot be written.
  void write(const std::string& path) const;
  /// Writes a trace made by to_json (perhaps merged with others) to `path`; UsageError when it cannot be written.
  static void write_json(const nlohmann::json& trace, const std::string& path);

 private:
  nlohmann::json events_ = nlohmann::json::array();
  std::uint64_t next_flow_ = 1;
};

}  // namespace hetsched::detail
