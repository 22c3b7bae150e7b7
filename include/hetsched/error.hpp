/// @file error.hpp
/// @brief The exception hierarchy: every failure hetsched reports derives from hetsched::Error.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace hetsched {

/// Base of every exception hetsched throws; the message says what to change.
class Error : public std::runtime_error {
 public:
  /// Creates an error with the given message.
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// A task threw; carries the task's name, the original message and the original exception.
class TaskError : public Error {
 public:
  /// Wraps a failure of the task called `task_name`; `cause` is what the task threw.
  TaskError(std::string task_name, std::string message, std::exception_ptr cause);
  /// The name of the task that failed first (the root cause, also when rethrown by dependents).
  const std::string& task_name() const noexcept { return task_name_; }
  /// The message of the original exception (or a description of a non-std exception).
  const std::string& message() const noexcept { return message_; }
  /// The exception the task threw, for `std::rethrow_exception`.
  std::exception_ptr cause() const noexcept { return cause_; }

 private:
  std::string task_name_;
  std::string message_;
  std::exception_ptr cause_;
};

/// A device failed under a task (a CUDA error, a lost GPU): the system's failure, not the task's. A task with
/// max_retries runs again after one (a body may throw it to say so); CudaError derives from it.
class DeviceError : public Error {
 public:
  using Error::Error;
};

/// A resource demand or total that is malformed or can never be met.
class ResourceError : public Error {
 public:
  using Error::Error;
};

/// `get` with a timeout ran out of time before the object was ready.
class GetTimeoutError : public Error {
 public:
  using Error::Error;
};

/// A call went to an actor that is dead (killed, or its constructor threw).
class ActorDiedError : public Error {
 public:
  using Error::Error;
};

/// The object store could not make room for an object: everything it holds is pinned (in use by a task, read by
/// get), cannot be spilled (no Serializer), or could not be written to the spill directory. The message says how many
/// bytes are held for each reason.
class ObjectStoreFullError : public Error {
 public:
  using Error::Error;
};

/// An object spilled to disk could not be read back: its spill file was truncated, altered (the checksum did not
/// match) or removed. Only that object is affected; every later read of it throws this again.
class ObjectLostError : public Error {
 public:
  using Error::Error;
};

/// The task never ran: it was cancelled (for instance because the Runtime shut down first).
class TaskCancelledError : public Error {
 public:
  using Error::Error;
};

/// The API was used in a way it does not support (an empty ObjectRef, a malformed setting, ...).
class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace hetsched
