#include "task/retry_rule.hpp"

#include "hetsched/error.hpp"

namespace hetsched::detail {
namespace {

/// What kind of failure a task ended with.
enum class FailureKind { system, application, final };

FailureKind classify(const std::exception_ptr& failure, bool body_started) {
  try {
    std::rethrow_exception(failure);
  } catch (const TaskError& wrapped) {
    if (!wrapped.cause()) return body_started ? FailureKind::application : FailureKind::system;
    return classify(wrapped.cause(), body_started);
  } catch (const DeviceError&) {
    return FailureKind::system;
  } catch (const ObjectStoreFullError&) {
    return FailureKind::system;
  } catch (const TaskCancelledError&) {
    return FailureKind::final;
  } catch (const ObjectLostError&) {
    return FailureKind::final;  // the spill file is gone: a second read fails the same way
  } catch (const ResourceError&) {
    return FailureKind::final;  // no device could ever hold it: so it stays
  } catch (const UsageError&) {
    return FailureKind::final;  // a misuse happens again
  } catch (...) {
    return body_started ? FailureKind::application : FailureKind::system;
  }
}

bool writes_in_place(const Task& task) noexcept {
  for (const BufferUse& use : task.buffers()) {
    if (use.mode == Access::read_write) return true;
  }
  return false;
}

}  // namespace

bool is_cancellation(const std::exception_ptr& failure) {
  if (!failure) return false;
  try {
    std::rethrow_exception(failure);
  } catch (const TaskCancelledError&) {
    return true;
  } catch (...) {
    return false;
  }
}

bool should_retry(const Task& task, const std::exception_ptr& failure, bool body_started, bool from_input) {
  if (task.retries_left <= 0 || task.role != TaskRole::plain || from_input || !failure) return false;
  if (body_started && writes_in_place(task)) return false;
  switch (classify(failure, body_started)) {
    case FailureKind::system:
      return true;
    case FailureKind::application:
      return task.retry_exceptions;
    case FailureKind::final:
      return false;
  }
  return false;
}

}  // namespace hetsched::detail
