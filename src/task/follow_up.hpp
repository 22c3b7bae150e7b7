// How a thread finishing a task may go on, named so that a call site reads what it means.
#pragma once

namespace hetsched::detail {

/// Whether the thread finishing a task may be handed the next task to run itself (an actor's next call, already
/// claimed), or must return at once (it runs inside a blocked get, or on the GPU progress thread).
enum class FollowUp : bool { return_at_once, may_run_next };

/// Whether a task being published had started: claimed to run (for an actor call, it holds one of the actor's running
/// slots, which its end frees), or failed or was cancelled before that.
enum class Started : bool { no, yes };

}  // namespace hetsched::detail
