// The invariants, item by item in submission order (so an item's inputs are judged before it), then the buffers,
// the actors and quiescence.
#include "verify.hpp"

#include <algorithm>
#include <set>
#include <sstream>

namespace hetsched_stress {
namespace {

using Kind = Outcome::Kind;

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::unresolved: return "unresolved";
    case Kind::value: return "a value";
    case Kind::task_error: return "TaskError";
    case Kind::cancelled: return "TaskCancelledError";
    case Kind::actor_died: return "ActorDiedError";
    case Kind::other_error: return "another hetsched::Error";
    case Kind::untyped: return "an exception not derived from hetsched::Error";
  }
  return "?";
}

std::string describe(const Outcome& outcome) {
  std::ostringstream text;
  text << kind_name(outcome.kind);
  if (outcome.kind == Kind::value) text << " " << outcome.value;
  if (outcome.kind == Kind::task_error) text << " (root " << outcome.root << ", cause " << outcome.cause << ")";
  if (!outcome.message.empty()) text << ": " << outcome.message;
  return text.str();
}

/// True when `outcome` is what an input's failure propagates as: the same error, root cause included.
bool propagates(const Outcome& input, const Outcome& outcome) {
  if (input.kind != outcome.kind) return false;
  if (input.kind == Kind::task_error) return input.root == outcome.root && input.cause == outcome.cause;
  return true;
}

bool retryable(const Item& item) {
  return item.failure == Failure::device || (item.failure == Failure::user && item.retry_exceptions);
}

class Checker {
 public:
  Checker(const Plan& plan, const RunRecord& record, bool shutdown)
      : plan_(plan), record_(record), shutdown_(shutdown) {}

  Verdict run() {
    for (const Item& item : plan_.items) {
      count(record_.outcomes[static_cast<std::size_t>(item.id)]);
      if (item.is_actor_call) {
        check_call(item);
      } else {
        check_task(item);
        check_children(item);
        check_left_calls(item);
      }
    }
    check_actors();
    if (!shutdown_) {
      check_buffers();
      check_quiescence();
    }
    return verdict_;
  }

 private:
  void fail(const Item& item, const std::string& what) {
    verdict_.violations.push_back((item.is_actor_call ? "actor call " : "task t") + std::to_string(item.id) + ": " +
                                  what);
  }

  void count(const Outcome& outcome) {
    switch (outcome.kind) {
      case Kind::value: ++verdict_.values; break;
      case Kind::task_error: ++verdict_.task_errors; break;
      case Kind::cancelled: ++verdict_.cancelled; break;
      case Kind::actor_died: ++verdict_.actor_died; break;
      default: break;
    }
  }

  const Outcome& outcome(int id) const { return record_.outcomes[static_cast<std::size_t>(id)]; }

  /// The failed inputs' outcomes, and their values in argument order when none failed.
  std::vector<const Outcome*> failed_inputs(const Item& item, std::vector<std::int64_t>& values) const {
    std::vector<const Outcome*> failed;
    for (int input : item.inputs) {
      const Outcome& in = outcome(input);
      if (in.kind == Kind::value) {
        values.push_back(in.value);
      } else {
        failed.push_back(&in);
      }
    }
    return failed;
  }

  /// A typed error or a value; anything else is a violation whatever the plan said.
  bool typed(const Item& item, const Outcome& got) {
    if (got.kind == Kind::unresolved) {
      fail(item, "its ref never resolved");
      return false;
    }
    if (got.kind == Kind::untyped) {
      fail(item, "resolved with " + describe(got));
      return false;
    }
    return true;
  }

  void check_task(const Item& item) {
    const Outcome& got = outcome(item.id);
    const int attempts = record_.attempts[static_cast<std::size_t>(item.id)];
    const int verdict = record_.verdicts[static_cast<std::size_t>(item.id)];
    if (verdict != 0) ++verdict_.cancels_asked;
    if (verdict == 1) ++verdict_.cancels_true;
    if (item.failure != Failure::none) ++verdict_.injected_failures;
    if (!typed(item, got)) return;

    std::vector<std::int64_t> values;
    const std::vector<const Outcome*> failed = failed_inputs(item, values);
    const bool retried_to_success = retryable(item) && item.fail_attempts <= item.max_retries;
    const int planned_attempts = item.failure == Failure::none ? 1
                                 : retried_to_success          ? item.fail_attempts + 1
                                 : retryable(item)             ? item.max_retries + 1
                                                               : 1;
    if (attempts > planned_attempts) {
      fail(item, "its body ran " + std::to_string(attempts) + " times; the plan allows " +
                     std::to_string(planned_attempts));
    }
    if (got.kind == Kind::value) {
      if (!failed.empty()) {
        fail(item, "returned a value although input " + describe(*failed.front()));
      } else if (got.value != expected_value(item, values)) {
        fail(item, "returned " + std::to_string(got.value) + ", the replay expects " +
                       std::to_string(expected_value(item, values)));
      }
      if (verdict == 1) fail(item, "cancel returned true, yet it returned its value");
      if (item.failure != Failure::none && !retried_to_success) fail(item, "returned a value despite its failure");
      if (attempts != planned_attempts) {
        fail(item, "succeeded after " + std::to_string(attempts) + " runs; the plan says " +
                       std::to_string(planned_attempts));
      }
      return;
    }
    if (shutdown_) return;  // a shutdown may cancel or refuse anything; a typed error is all we can ask
    if (verdict == 1) {
      if (got.kind != Kind::cancelled) fail(item, "cancel returned true, yet it resolved with " + describe(got));
      return;
    }
    if (!failed.empty()) {
      if (attempts != 0) fail(item, "an input failed, yet its body ran");
      const bool matches = std::any_of(failed.begin(), failed.end(), [&](const Outcome* in) { return propagates(*in, got); });
      if (!matches) fail(item, "resolved with " + describe(got) + ", which none of its failed inputs propagates (first: " + describe(*failed.front()) + ")");
      return;
    }
    // Its own failure, deterministic from the plan.
    if (item.failure == Failure::none || retried_to_success) {
      fail(item, "failed with " + describe(got) + " although the plan says it succeeds");
      return;
    }
    const std::string cause = item.failure == Failure::device ? "device" : "user";
    if (got.kind != Kind::task_error || got.root != "t" + std::to_string(item.id) || got.cause != cause) {
      fail(item, "resolved with " + describe(got) + "; the plan expects TaskError rooted here, cause " + cause);
    }
    if (attempts != planned_attempts) {
      fail(item, "failed after " + std::to_string(attempts) + " runs; the plan says " + std::to_string(planned_attempts));
    }
  }

  void check_children(const Item& item) {
    const auto& children = record_.children[static_cast<std::size_t>(item.id)];
    verdict_.children += static_cast<int>(children.size());
    if (item.nested != Nested::leave_child) {
      if (!children.empty()) fail(item, "left children although the plan gives it none");
      return;
    }
    if (children.size() > 1) fail(item, "left " + std::to_string(children.size()) + " children; it submits one");
    if (children.empty() && outcome(item.id).kind == Kind::value) fail(item, "returned without leaving its child");
    const bool may_cancel =
        shutdown_ || (record_.verdicts[static_cast<std::size_t>(item.id)] == 1 &&
                      record_.recursive[static_cast<std::size_t>(item.id)]);
    for (const Outcome& child : children) {
      if (!typed(item, child)) continue;
      if (child.kind == Kind::value) {
        if (child.value != child_value(item.id)) fail(item, "its child returned " + std::to_string(child.value));
      } else if (!(may_cancel && child.kind == Kind::cancelled)) {
        fail(item, "its child resolved with " + describe(child));
      }
    }
  }

  /// The calls a task left unawaited: typed, and a value unless its actor was killed or it was cancelled with it.
  void check_left_calls(const Item& item) {
    const auto& calls = record_.calls[static_cast<std::size_t>(item.id)];
    if (item.nested != Nested::actor_call || !plan_.actors[static_cast<std::size_t>(item.actor)].takes_inputs) {
      if (!calls.empty()) fail(item, "left actor calls although the plan gives it none");
      return;
    }
    if (calls.size() > 1) fail(item, "left " + std::to_string(calls.size()) + " actor calls; it makes one");
    if (calls.empty() && outcome(item.id).kind == Kind::value) fail(item, "returned without making its actor call");
    const bool killed = plan_.actors[static_cast<std::size_t>(item.actor)].kill_after >= 0;
    const bool may_cancel = shutdown_ || (record_.verdicts[static_cast<std::size_t>(item.id)] == 1 &&
                                          record_.recursive[static_cast<std::size_t>(item.id)]);
    for (const Outcome& call : calls) {
      if (!typed(item, call)) continue;
      if (call.kind == Kind::value || (call.kind == Kind::actor_died && (killed || shutdown_)) ||
          (call.kind == Kind::cancelled && may_cancel)) {
        continue;
      }
      fail(item, "its actor call resolved with " + describe(call));
    }
  }

  void check_call(const Item& item) {
    const Outcome& got = outcome(item.id);
    if (!typed(item, got)) return;
    const bool killed = plan_.actors[static_cast<std::size_t>(item.actor)].kill_after >= 0;
    std::vector<std::int64_t> values;
    const std::vector<const Outcome*> failed = failed_inputs(item, values);
    if (got.kind == Kind::value) {
      if (!failed.empty()) fail(item, "returned a value although input " + describe(*failed.front()));
      if (got.value < 1) fail(item, "returned sequence number " + std::to_string(got.value));
      return;
    }
    if (got.kind == Kind::actor_died && (killed || shutdown_)) return;
    if (got.kind == Kind::cancelled && shutdown_) return;
    if (!failed.empty() && propagates(*failed.front(), got)) return;
    if (shutdown_ && got.kind != Kind::value) return;
    fail(item, "resolved with " + describe(got) + (killed ? " (its actor was killed)" : " (its actor lives)"));
  }

  /// Every call that ran got a distinct sequence number; a living actor's numbers have no gaps beyond the calls
  /// cancelled while they ran, and calls from the main thread ran in submission order on one-at-a-time actors.
  void check_actors() {
    for (std::size_t a = 0; a < plan_.actors.size(); ++a) {
      const ActorPlan& actor = plan_.actors[a];
      std::vector<std::int64_t> seen = record_.actor_values[a];
      int cancelled_calls = record_.actor_cancelled[a];
      int died_calls = record_.actor_died[a];
      for (const Item& item : plan_.items) {
        if (item.is_actor_call || item.actor != static_cast<int>(a)) continue;
        for (const Outcome& call : record_.calls[static_cast<std::size_t>(item.id)]) {
          if (call.kind == Kind::value) seen.push_back(call.value);
          if (call.kind == Kind::cancelled) ++cancelled_calls;
          if (call.kind == Kind::actor_died) ++died_calls;
        }
      }
      std::int64_t last_main = 0;
      bool ordered = true;
      for (const Item& item : plan_.items) {
        if (!item.is_actor_call || item.actor != static_cast<int>(a)) continue;
        const Outcome& got = outcome(item.id);
        if (got.kind != Kind::value) continue;
        seen.push_back(got.value);
        if (got.value <= last_main) ordered = false;
        last_main = got.value;
      }
      const std::string name = "actor " + std::to_string(a);
      if (actor.max_concurrency == 1 && !ordered) {
        verdict_.violations.push_back(name + ": main-thread calls did not run in submission order");
      }
      std::sort(seen.begin(), seen.end());
      if (std::adjacent_find(seen.begin(), seen.end()) != seen.end()) {
        verdict_.violations.push_back(name + ": two calls got the same sequence number (a call ran twice?)");
      }
      if (actor.kill_after >= 0) {
        ++verdict_.kills;
        continue;
      }
      if (shutdown_) continue;
      if (died_calls > 0) {
        verdict_.violations.push_back(name + ": never killed, yet " + std::to_string(died_calls) +
                                      " nested calls got ActorDiedError");
      }
      const auto most = static_cast<std::int64_t>(seen.size()) + cancelled_calls;
      if (!seen.empty() && seen.back() > most) {
        verdict_.violations.push_back(name + ": sequence numbers reach " + std::to_string(seen.back()) + " but only " +
                                      std::to_string(most) + " calls can have run (a lost result?)");
      }
    }
  }

  /// The writers ran once each, in submission order per buffer, and the contents equal the serial replay.
  void check_buffers() {
    for (std::size_t b = 0; b < plan_.initial_buffers.size(); ++b) {
      std::vector<int> writers;
      for (const Item& item : plan_.items) {
        if (item.buffer == static_cast<int>(b) && item.buffer_use != BufferUse::read &&
            item.buffer_use != BufferUse::none) {
          writers.push_back(item.id);
        }
      }
      const std::string name = "buffer " + std::to_string(b);
      if (record_.buffer_log[b] != writers) {
        verdict_.violations.push_back(name + ": its writers ran in another order than submitted (" +
                                      std::to_string(record_.buffer_log[b].size()) + " runs logged, " +
                                      std::to_string(writers.size()) + " writers)");
      }
      if (!record_.final_buffer_errors[b].empty()) {
        verdict_.violations.push_back(name + ": reading it back failed: " + record_.final_buffer_errors[b]);
        continue;
      }
      const auto& want = plan_.final_buffers[b];
      if (!std::equal(want.begin(), want.end(), record_.final_buffers[b].begin(), record_.final_buffers[b].end())) {
        verdict_.violations.push_back(name + ": final contents differ from the serial replay");
      }
    }
  }

  void check_quiescence() {
    if (record_.available_resources != record_.total_resources) {
      std::ostringstream text;
      text << "available resources differ from the totals at quiescence:";
      for (const auto& [name, total] : record_.total_resources) {
        auto it = record_.available_resources.find(name);
        text << " " << name << " " << (it == record_.available_resources.end() ? -1.0 : it->second) << "/" << total;
      }
      verdict_.violations.push_back(text.str());
    }
    if (record_.objects_left != 0 || record_.listed_objects_left != 0) {
      verdict_.violations.push_back("the store still holds " + std::to_string(record_.objects_left) +
                                    " objects (list_objects: " + std::to_string(record_.listed_objects_left) +
                                    ") after every ref was dropped");
    }
    // The runtime counts a retry when it queues the task again; a cancel may then take it from the queue before its
    // body runs. So the counter may exceed the bodies' reruns by at most the cancelled tasks that failed first.
    std::uint64_t reruns = 0;
    std::uint64_t cancelled_between = 0;
    for (const Item& item : plan_.items) {
      const int attempts = record_.attempts[static_cast<std::size_t>(item.id)];
      if (attempts > 1) reruns += static_cast<std::uint64_t>(attempts - 1);
      if (record_.verdicts[static_cast<std::size_t>(item.id)] == 1 && attempts >= 1 && retryable(item)) {
        ++cancelled_between;
      }
    }
    if (record_.retries < reruns || record_.retries > reruns + cancelled_between) {
      verdict_.violations.push_back("counters().retries is " + std::to_string(record_.retries) + "; the bodies ran " +
                                    std::to_string(reruns) + " times again, and " +
                                    std::to_string(cancelled_between) + " retried tasks were cancelled meanwhile");
    }
  }

  const Plan& plan_;
  const RunRecord& record_;
  const bool shutdown_;
  Verdict verdict_;
};

}  // namespace

Verdict verify(const Plan& plan, const RunRecord& record, bool shutdown_under_load) {
  return Checker(plan, record, shutdown_under_load).run();
}

}  // namespace hetsched_stress
