#include "exec/task_failure.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <typeinfo>

#include "hetsched/error.hpp"

namespace hetsched::detail {
namespace {

/// Describes whatever is being thrown now, including non-std types (by their demangled type name).
std::string describe_current_exception() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    const std::type_info* type = abi::__cxa_current_exception_type();
    if (!type) return "an exception of unknown type";
    int status = 0;
    char* demangled = abi::__cxa_demangle(type->name(), nullptr, nullptr, &status);
    std::string name = status == 0 && demangled ? demangled : type->name();
    std::free(demangled);
    return "threw a value of type '" + name + "' (not derived from std::exception)";
  }
}

}  // namespace

std::exception_ptr as_task_failure(const Task& task) {
  try {
    throw;
  } catch (const TaskError&) {  // already one: kept, so the root cause survives
    return std::current_exception();
  } catch (const TaskCancelledError&) {
    return std::current_exception();
  } catch (const ObjectStoreFullError&) {  // kept as it is: callers catch it by type (its message names the device)
    return std::current_exception();
  } catch (const ObjectLostError&) {  // a spilled input or buffer that could not be read back: as for an ObjectRef's
    return std::current_exception();
  } catch (...) {
    return std::make_exception_ptr(TaskError(task.name, describe_current_exception(), std::current_exception()));
  }
}

std::exception_ptr as_task_failure(const Task& task, const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (...) {
    return as_task_failure(task);
  }
}

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (...) {
    return describe_current_exception();
  }
}

}  // namespace hetsched::detail
