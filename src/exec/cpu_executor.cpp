#include "exec/cpu_executor.hpp"

#include <algorithm>

#include "exec/body_concurrency.hpp"
#include "exec/tsan_annotations.hpp"
#include "task/task_state.hpp"

namespace hetsched::detail {

CpuExecutor::CpuExecutor(int slots, TaskRunner& runner)
    : budget_(static_cast<std::size_t>(std::max(slots, 1)) + 1),  // +1: oneTBB counts one external thread
      runner_(runner),
      dispatch_arena_(std::max(slots, 1), 0),
      slots_(std::max(slots, 1)),
      spares_([this] { run_spare(); }) {}

CpuExecutor::~CpuExecutor() {
  for (auto left = tokens_.load(std::memory_order_acquire); left != 0; left = tokens_.load(std::memory_order_acquire)) {
    tokens_.wait(left, std::memory_order_acquire);
  }
  Task* task = nullptr;
  while (run_queue_.try_pop(task)) task->release();
}

void CpuExecutor::dispatch(TaskPtr task) {
  run_queue_.push(task.detach());
  queued_.fetch_add(1, std::memory_order_seq_cst);
  start_token_if_idle_slot();
}

// seq_cst on queued_ and active_tokens_ makes dispatch (push; read active) and a retiring token (leave active; read
// queued) a Dekker pair: at least one of them sees the other, so a pushed task is never left without a token.
void CpuExecutor::start_token_if_idle_slot() {
  int active = active_tokens_.load(std::memory_order_seq_cst);
  while (active < slots_) {
    if (active_tokens_.compare_exchange_weak(active, active + 1, std::memory_order_seq_cst)) {
      tokens_.fetch_add(1, std::memory_order_relaxed);
      annotate_happens_before(this);
      dispatch_arena_.enqueue(RunToken{this});
      return;
    }
  }
  start_spare_if_needed();
}

// The same Dekker pairing as the tokens': begin_off_cpu (raise off_cpu_, read queued_) and dispatch (raise queued_,
// read off_cpu_), and a retiring spare (leave active, read queued_) against dispatch: one side always sees the other.
void CpuExecutor::begin_off_cpu() noexcept {
  off_cpu_.fetch_add(1, std::memory_order_seq_cst);
  if (queued_.load(std::memory_order_seq_cst) > 0) start_spare_if_needed();
}

void CpuExecutor::end_off_cpu() noexcept { off_cpu_.fetch_sub(1, std::memory_order_seq_cst); }

void CpuExecutor::start_spare_if_needed() noexcept {
  int active = active_spares_.load(std::memory_order_seq_cst);
  while (active < off_cpu_.load(std::memory_order_seq_cst)) {
    if (active_spares_.compare_exchange_weak(active, active + 1, std::memory_order_seq_cst)) {
      annotate_happens_before(this);
      if (!spares_.start()) active_spares_.fetch_sub(1, std::memory_order_seq_cst);
      return;
    }
  }
}

bool CpuExecutor::reactivate_spare() noexcept {
  active_spares_.fetch_sub(1, std::memory_order_seq_cst);
  if (queued_.load(std::memory_order_seq_cst) == 0) return false;
  int active = active_spares_.load(std::memory_order_seq_cst);
  while (active < off_cpu_.load(std::memory_order_seq_cst)) {
    if (active_spares_.compare_exchange_weak(active, active + 1, std::memory_order_seq_cst)) return true;
  }
  return false;
}

void CpuExecutor::run_spare() {
  annotate_happens_after(this);
  do {
    run_queued();
  } while (reactivate_spare());
}

bool CpuExecutor::reactivate_token() {
  active_tokens_.fetch_sub(1, std::memory_order_seq_cst);
  if (queued_.load(std::memory_order_seq_cst) == 0) return false;
  int active = active_tokens_.load(std::memory_order_seq_cst);
  while (active < slots_) {
    if (active_tokens_.compare_exchange_weak(active, active + 1, std::memory_order_seq_cst)) return true;
  }
  return false;  // every slot has a token: they will take it
}

void CpuExecutor::RunToken::operator()() const {
  annotate_happens_after(executor);
  do {
    executor->run_queued();
  } while (executor->reactivate_token());
  if (executor->tokens_.fetch_sub(1, std::memory_order_acq_rel) == 1) executor->tokens_.notify_all();
}

bool CpuExecutor::claim(Task& task) noexcept {
  auto expected = TaskStage::dispatched;
  return state_of(task).stage.compare_exchange_strong(expected, TaskStage::running, std::memory_order_acq_rel);
}

TaskPtr CpuExecutor::pop_claimed() {
  Task* raw = nullptr;
  while (run_queue_.try_pop(raw)) {
    queued_.fetch_sub(1, std::memory_order_seq_cst);
    TaskPtr task = TaskPtr::adopt(raw);
    if (claim(*task)) return task;
  }
  return {};
}

void CpuExecutor::run_queued() {
  // Consecutive tasks of the same CPU share run inside one execute() of their arena: entering and leaving an
  // arena is paid once per run of same-shaped tasks, not once per task.
  for (TaskPtr task = pop_claimed(); task;) {
    int concurrency = body_concurrency(*task);
    arena_for(concurrency).execute([&] {
      while (task && body_concurrency(*task) == concurrency) {
        run_with_follow_ups(*task, FollowUp::may_run_next);
        task = pop_claimed();
      }
    });
  }
}

bool CpuExecutor::run_here_if_unstarted(Task& task) {
  if (!claim(task)) return false;
  run(task, FollowUp::return_at_once);
  return true;
}

void CpuExecutor::run_claimed_here(Task& task) { run(task, FollowUp::return_at_once); }

void CpuExecutor::run(Task& task, FollowUp follow_up) {
  arena_for(body_concurrency(task)).execute([&] { run_with_follow_ups(task, follow_up); });
}

void CpuExecutor::run_with_follow_ups(Task& task, FollowUp follow_up) {
  // Follow-ups have the same demand (they are calls of the same actor), so they share the arena and the slot use.
  const bool off_cpu = task.demand.cpu == 0;
  if (off_cpu) begin_off_cpu();
  for (TaskPtr next = runner_.run_claimed(task, follow_up); next;) {
    next = runner_.run_claimed(*next, FollowUp::may_run_next);
  }
  if (off_cpu) end_off_cpu();
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
