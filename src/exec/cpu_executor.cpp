#include "exec/cpu_executor.hpp"

#include <algorithm>

#include "exec/tsan_annotations.hpp"

namespace hetsched::detail {

CpuExecutor::CpuExecutor(int slots, TaskRunner& runner)
    : budget_(static_cast<std::size_t>(std::max(slots, 1)) + 1),  // +1: oneTBB counts one external thread
      runner_(runner),
      dispatch_arena_(std::max(slots, 1), 0) {}

CpuExecutor::~CpuExecutor() {
  for (auto left = tokens_.load(std::memory_order_acquire); left != 0; left = tokens_.load(std::memory_order_acquire)) {
    tokens_.wait(left, std::memory_order_acquire);
  }
  Task* task = nullptr;
  while (run_queue_.try_pop(task)) task->release();
}

void CpuExecutor::dispatch(TaskPtr task) {
  run_queue_.push(task.detach());
  tokens_.fetch_add(1, std::memory_order_relaxed);
  annotate_happens_before(this);
  dispatch_arena_.enqueue(RunToken{this});
}

void CpuExecutor::RunToken::operator()() const {
  annotate_happens_after(executor);
  executor->run_one_here();
  if (executor->tokens_.fetch_sub(1, std::memory_order_acq_rel) == 1) executor->tokens_.notify_all();
}

bool CpuExecutor::claim(Task& task) noexcept {
  auto expected = TaskStage::dispatched;
  return task.stage.compare_exchange_strong(expected, TaskStage::running, std::memory_order_acq_rel);
}

bool CpuExecutor::run_one_here() {
  Task* raw = nullptr;
  while (run_queue_.try_pop(raw)) {
    TaskPtr task = TaskPtr::adopt(raw);
    if (claim(*task)) {
      run(*task);
      return true;
    }
  }
  return false;
}

bool CpuExecutor::run_here_if_unstarted(Task& task) {
  if (!claim(task)) return false;
  run(task);
  return true;
}

void CpuExecutor::run(Task& task) {
  auto cpus = static_cast<int>((task.demand.cpu + units_per_resource - 1) / units_per_resource);
  arena_for(std::max(cpus, 1)).execute([&] { runner_.run_claimed(task); });
}

tbb::task_arena& CpuExecutor::arena_for(int concurrency) {
  auto& arenas = task_arenas_.local();
  auto index = static_cast<std::size_t>(concurrency);
  if (arenas.size() <= index) arenas.resize(index + 1);
  // One slot is reserved for this thread, so execute() never waits for a slot; k - 1 workers may join.
  if (!arenas[index]) arenas[index] = std::make_unique<tbb::task_arena>(concurrency, 1);
  return *arenas[index];
}

}  // namespace hetsched::detail
