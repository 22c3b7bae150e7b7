// The compiled runtime behind hetsched::Runtime: it owns the ledger and scheduler, the executor and the object
// accounting, and follows each task from submission to publication.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "config_resolution.hpp"
#include "exec/cpu_executor.hpp"
#include "hetsched/hardware.hpp"
#include "hetsched/runtime.hpp"
#include "scheduler/scheduler.hpp"
#include "store/accounting.hpp"

namespace hetsched::detail {

class RuntimeCore final : public TaskRunner {
 public:
  RuntimeCore(Runtime& owner, const Config& config);
  /// Cancels what has not started, waits for what runs.
  ~RuntimeCore();

  /// See submit_task in core_api.hpp.
  void submit(TaskPtr task);
  /// See publish_put in core_api.hpp.
  void publish_put(ObjectEntry& entry, std::size_t bytes);
  /// Called when the last input of a task completed.
  void inputs_resolved(TaskPtr task) noexcept;
  void run_claimed(Task& task) noexcept override;

  /// The task this thread is running for this runtime, or null.
  Task* current_task() const noexcept;

  Scheduler& scheduler() noexcept { return scheduler_; }
  CpuExecutor& executor() noexcept { return executor_; }
  const HardwareInfo& hardware() const noexcept { return hardware_; }
  const ResolvedConfig& config() const noexcept { return config_; }
  const StoreAccounting& accounting() const noexcept { return *accounting_; }

 private:
  void register_object(ObjectEntry& entry);
  void publish(Task& task, std::exception_ptr failure, std::size_t bytes) noexcept;
  std::exception_ptr cancellation(const Task& task) const;

  Runtime& owner_;
  HardwareInfo hardware_;
  ResolvedConfig config_;
  std::shared_ptr<StoreAccounting> accounting_;
  std::atomic<bool> shutting_down_{false};
  std::atomic<std::int64_t> live_tasks_{0};
  // Declaration order matters: the scheduler dispatches to the executor; the executor is destroyed first.
  Scheduler scheduler_;
  CpuExecutor executor_;
};

}  // namespace hetsched::detail
