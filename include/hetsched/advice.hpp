/// @file advice.hpp
/// @brief The advisor: reports, while a program runs, the performance mistakes of the seeds (a get inside the submit
/// loop, tiny tasks, a large value passed again and again, get-all before processing) and two of the GPU world's (a
/// GPU task that does not use its stream, a buffer copied between devices on every call). Config::advice says where
/// the reports go; HETSCHED_ADVICE=off silences them.
#pragma once

#include <functional>
#include <string_view>

namespace hetsched {

/// Which mistake a report is about. Each is reported at most once per Runtime.
enum class AdviceKind {
  get_in_submit_loop,        ///< Submit one task, get it, submit the next: the tasks run one at a time.
  tiny_tasks,                ///< Task bodies shorter than what dispatching a task costs.
  repeated_large_argument,   ///< The same large value passed by value to task after task (put it once).
  get_all_then_process,      ///< get(refs) waited for the slowest while early results sat ready (use wait).
  gpu_task_off_its_stream,   ///< A GPU task's work went to the legacy default stream, not ctx.stream().
  buffer_moves_every_call,   ///< A Buffer copied between memory nodes on nearly every use.
};

/// The short name of a kind, as reports print it: "get_in_submit_loop", "tiny_tasks", ...
std::string_view advice_kind_name(AdviceKind kind) noexcept;

/// One report: what was seen, and what to change.
struct Advice {
  AdviceKind kind;           ///< Which mistake.
  std::string_view message;  ///< One paragraph: the evidence and the fix (valid during the call only).
};

/// Receives the advisor's reports. Called from whichever thread noticed the mistake (a task's, a progress thread, the
/// caller of get), one report at a time for one Runtime, so it needs no lock of its own.
using AdviceSink = std::function<void(const Advice&)>;

/// The default sink: prints `hetsched: advice [kind]: message` on stderr.
void print_advice(const Advice& advice);

}  // namespace hetsched
