#include "actor/restart_rule.hpp"

#include "hetsched/error.hpp"
#include "task/task_state.hpp"

namespace hetsched::detail {
namespace {

bool is_device_failure(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const TaskError& wrapped) {
    return wrapped.cause() && is_device_failure(wrapped.cause());
  } catch (const DeviceError&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

std::exception_ptr restart_cause(const Task& call, const std::exception_ptr& failure) {
  if (!failure || call.role != TaskRole::actor_call || !state_of(call).body_started) return nullptr;
  return is_device_failure(failure) ? failure : nullptr;
}

}  // namespace hetsched::detail
