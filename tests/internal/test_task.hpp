// A Task that does nothing when invoked, for driving the scheduler and ledger without an executor.
#pragma once

#include "hetsched/detail/task.hpp"

namespace hetsched::test {

class InertTask final : public detail::Task {
 public:
  std::size_t invoke(TaskContext&) override { return 0; }
  void object_completed() noexcept override {}
};

/// A task asking for `cpu` CPUs and `gpu` GPUs, named `name`.
inline detail::TaskPtr make_task(double cpu, double gpu = 0, std::string name = "t") {
  detail::TaskPtr task(new InertTask());
  task->demand.cpu = detail::to_units("CPU", cpu);
  task->demand.gpu = detail::to_units("GPU", gpu);
  task->name = std::move(name);
  return task;
}

}  // namespace hetsched::test
