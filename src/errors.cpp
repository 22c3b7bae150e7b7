// Error types' out-of-line parts and the throw helpers the header templates call.
#include "hetsched/error.hpp"

#include <chrono>
#include <cstdio>
#include <string>

#include "hetsched/detail/core_api.hpp"

namespace hetsched {

TaskError::TaskError(std::string task_name, std::string message, std::exception_ptr cause)
    : Error("task '" + task_name + "' failed: " + message),
      task_name_(std::move(task_name)),
      message_(std::move(message)),
      cause_(std::move(cause)) {}

namespace detail {

void rethrow_failure(const ObjectEntry& entry) { std::rethrow_exception(entry.error()); }

void throw_empty_ref(std::string_view operation) {
  throw UsageError(std::string(operation) +
                   " was given an empty ObjectRef (default-constructed, moved-from or reset); pass a ref returned "
                   "by remote() or put()");
}

void check_retry_count(int retries) {
  if (retries < 0) {
    throw UsageError("max_retries(" + std::to_string(retries) +
                     ") is negative; give the number of extra runs a failed task may get (0 for none)");
  }
}

void throw_move_only_retry(const std::string& task_name) {
  throw UsageError("task '" + task_name +
                   "' has max_retries but a move-only argument, which a second run could not be given; pass it "
                   "through put() (an ObjectRef argument), make it copyable, or drop max_retries");
}

void throw_get_timeout(ObjectEntry& entry, Clock::duration waited) {
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.1f", std::chrono::duration<double, std::milli>(waited).count());
  std::string what = "object " + std::to_string(entry.id());
  if (Task* producer = entry.acquire_producer()) {
    what = "the result of task '" + producer->name + "' (" + what + ")";
    producer->release();
  }
  throw GetTimeoutError(what + " was not ready after " + ms +
                        " ms; give get a longer timeout, or use wait() to take results as they come");
}

void throw_empty_actor_handle() {
  throw UsageError("an empty ActorHandle (default-constructed or moved-from) was used; use a handle returned by "
                   "rt.actor<T>().remote() or rt.get_actor<T>(name)");
}

void throw_shared_move_only(const ObjectEntry& entry) {
  throw UsageError("object " + std::to_string(entry.id()) +
                   " holds a move-only value that other ObjectRefs still share, so get cannot move it out; read it "
                   "in place with get(lvalue_ref), or drop the other refs first");
}

}  // namespace detail
}  // namespace hetsched
