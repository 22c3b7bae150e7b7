// Where the scheduler sends a task once its resources are taken: an executor.
#pragma once

#include "hetsched/detail/task.hpp"

namespace hetsched::detail {

class Dispatcher {
 public:
  /// Runs the task (stage dispatched) as soon as a thread is free.
  virtual void dispatch(TaskPtr task) = 0;

 protected:
  ~Dispatcher() = default;
};

}  // namespace hetsched::detail
