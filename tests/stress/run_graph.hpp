/// @file run_graph.hpp
/// @brief Submits a Plan to a hetsched::Runtime (main thread: tasks and actor calls; a second thread: cancels and
/// kills), waits for every ref, and records what each resolved to and what the bodies logged.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "plan.hpp"

namespace hetsched_stress {

/// What a ref resolved to.
struct Outcome {
  enum class Kind : std::uint8_t { unresolved, value, task_error, cancelled, actor_died, other_error, untyped };
  Kind kind = Kind::unresolved;
  std::int64_t value = 0;
  std::string root;     ///< TaskError::task_name()
  std::string cause;    ///< TaskError's cause: "user", "device", "actor_died", "hetsched" or "other"
  std::string message;  ///< what() of an unexpected error
};

/// The actor class: every call returns its sequence number (atomic, so that max_concurrency 2 is fine too).
class Counter {
 public:
  /// One call from a task body or the main thread.
  std::int64_t add(std::int64_t id);
  /// One call that waited for a task's result first.
  std::int64_t add_after(std::int64_t id, const std::int64_t& input);

 private:
  std::atomic<std::int64_t> calls_{0};
};

/// How to run the plan.
struct RunOptions {
  /// Destroy the Runtime as soon as everything is submitted (work still queued and running), then read the refs.
  bool shutdown_under_load = false;
  /// Abort with the runtime's list of live tasks and actors when no ref resolves for this long (a hang).
  int stall_seconds = 120;
};

/// Everything the checks need.
struct RunRecord {
  std::vector<Outcome> outcomes;              ///< per item
  std::vector<std::vector<Outcome>> children; ///< per item: its left children (Nested::leave_child), if it got there
  std::vector<std::vector<Outcome>> calls;    ///< per item: the actor calls it left unawaited (Nested::actor_call)
  std::vector<int> verdicts;                  ///< per item: 0 not cancelled, 1 cancel said true, 2 said false
  std::vector<bool> recursive;                ///< per item: the cancel was recursive
  std::vector<int> attempts;                  ///< per item: how many times its body started
  std::vector<std::vector<int>> buffer_log;   ///< per buffer: the writers, in the order their bodies ran
  std::vector<std::vector<std::int64_t>> actor_values;  ///< per actor: sequence numbers nested calls waited for
  std::vector<int> actor_died;                ///< per actor: nested calls that got ActorDiedError
  std::vector<int> actor_cancelled;           ///< per actor: nested calls that got TaskCancelledError
  std::vector<std::vector<std::int64_t>> final_buffers;  ///< contents read back (empty where get failed)
  std::vector<std::string> final_buffer_errors;          ///< per buffer: why it could not be read, if so
  std::uint64_t retries = 0;                  ///< RuntimeCounters::retries
  double seconds = 0;                         ///< from the first submission until every ref resolved
  // Quiescence, measured after every ref, handle and buffer was dropped (not in shutdown mode).
  std::map<std::string, double> total_resources;
  std::map<std::string, double> available_resources;
  std::size_t objects_left = 0;
  std::size_t listed_objects_left = 0;
};

/// Runs the plan and records the outcome.
RunRecord run_graph(const Plan& plan, const RunOptions& options);

}  // namespace hetsched_stress
