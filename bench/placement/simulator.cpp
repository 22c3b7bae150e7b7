#include "simulator.hpp"

#include <array>
#include <chrono>
#include <ctime>
#include <queue>

#include "class_queues.hpp"
#include "committed_queues.hpp"
#include "event_queue.hpp"
#include "hetsched/detail/resource_demand.hpp"
#include "hetsched/error.hpp"
#include "link_model.hpp"
#include "replica_model.hpp"

namespace hetsched::bench {
namespace {

using detail::Decision;
using detail::units_per_resource;

class Replay {
 public:
  Replay(const TaskGraph& graph, const TaskTimes& times, const Machine& machine, const detail::Policy& policy,
         const ReplayOptions& options)
      : graph_(graph),
        times_(times),
        machine_(machine),
        policy_(policy),
        options_(options),
        priorities_(priorities_of(graph)),
        queues_(priorities_, options.max_bypass),
        links_(machine.links, machine.gpus, machine.copy_lanes),
        replicas_(graph.buffer_bytes, machine.gpus, machine.gpu_memory, options.record_transfers),
        pending_(graph.predecessor_count),
        commit_limit_(policy.uses_models() ? options.commit_limit : 0),  // as the scheduler fills the snapshot
        committed_(machine.gpus),
        prefetched_(graph.size(), false),
        inputs_ready_s_(graph.size(), 0.0),
        free_cpus_(machine.cpus),
        free_gpus_(machine.gpus),
        gpu_busy_(static_cast<std::size_t>(machine.gpus), false),
        gpu_ends_(static_cast<std::size_t>(machine.gpus), 0.0),
        gpu_views_(static_cast<std::size_t>(machine.gpus)) {
    for (int slot = machine.cpus - 1; slot >= 0; --slot) free_slots_.push_back(slot);
    schedule_.policy = std::string(policy.name());
    schedule_.runs.resize(graph.size());
    schedule_.cpu_busy_s.assign(static_cast<std::size_t>(machine.cpus), 0.0);
    schedule_.gpu_busy_s.assign(static_cast<std::size_t>(machine.gpus), 0.0);
  }

  Schedule run() {
    const auto began = std::chrono::steady_clock::now();
    const std::clock_t began_cpu = std::clock();
    for (std::uint32_t t = 0; t < graph_.size(); ++t) {
      if (pending_[t] == 0) enqueue(t);
    }
    std::uint64_t finished = 0;
    while (!events_.empty()) {
      const Completion next = events_.top();
      events_.pop();
      now_ = next.time_s;
      complete(next.task);
      if (options_.progress && (++finished & 0xffff) == 0) {
        options_.progress(static_cast<double>(finished) / static_cast<double>(graph_.size()));
      }
    }
    if (queues_.size() > 0 || committed_.total() > 0) {
      throw Error("placement policy '" + schedule_.policy + "' left task '" + graph_.task_name(queues_.any_head()) +
                  "' waiting with nothing running on the machine, so the replay cannot go on");
    }
    schedule_.makespan_s = now_;
    schedule_.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    schedule_.cpu_s = static_cast<double>(std::clock() - began_cpu) / CLOCKS_PER_SEC;
    return std::move(schedule_);
  }

 private:
  static std::vector<int> priorities_of(const TaskGraph& graph) {
    std::vector<int> priorities(graph.size());
    for (std::size_t t = 0; t < graph.size(); ++t) priorities[t] = graph.tasks[t].priority;
    return priorities;
  }

  /// The scheduling class: tasks with the same bodies (CPU, GPU or both) share one, as the runtime's demand shapes
  /// do; with class_per_kind, tasks of different kinds never share one.
  std::uint32_t class_of(std::uint32_t t) const noexcept {
    const std::uint32_t bodies = (times_.cpu_s[t] >= 0 ? 1u : 0u) | (times_.gpu_s[t] >= 0 ? 2u : 0u);
    return options_.class_per_kind ? graph_.tasks[t].kind * 4 + bodies : bodies;
  }

  void enqueue(std::uint32_t t) {
    queues_.push(t, class_of(t));
    dispatch();
  }

  void dispatch() {
    // Nothing can fit and nothing can be committed: every policy would answer wait.
    if (free_cpus_ == 0 && free_gpus_ == 0 && commit_limit_ == 0) return;
    queues_.dispatch([this](std::uint32_t t, std::uint32_t behind) { return offer(t, behind); },
                     [this](std::uint32_t t) {
                       throw Error("placement policy '" + schedule_.policy + "' found task '" + graph_.task_name(t) +
                                   "' infeasible on machine '" + machine_.name + "'");
                     });
  }

  Offer offer(std::uint32_t t, std::uint32_t queued_behind) {
    const bool has_cpu = times_.cpu_s[t] >= 0;
    const bool has_gpu = times_.gpu_s[t] >= 0;
    if (!(has_cpu && free_cpus_ > 0) && !(has_gpu && free_gpus_ > 0) && commit_limit_ == 0) {
      return Offer::waits;
    }
    const int priority = graph_.tasks[t].priority;
    // The bodies, as the task declares them: the CPU body first.
    std::array<detail::VariantView, 2> bodies{};
    std::array<bool, 2> on_gpu{};
    std::size_t count = 0;
    if (has_cpu) {
      bodies[count] = {units_per_resource, 0, 0, times_.cpu_s[t], options_.calibration_samples};
      on_gpu[count++] = false;
    }
    if (has_gpu) {
      bodies[count] = {0, units_per_resource, 0, times_.gpu_s[t], options_.calibration_samples};
      on_gpu[count++] = true;
    }
    inputs_.clear();
    for (std::uint32_t i = graph_.use_offsets[t]; i < graph_.use_offsets[t + 1]; ++i) {
      const BufferUse& use = graph_.uses[i];
      if (use.access == Access::write) continue;  // nothing to bring: its old contents are not read
      inputs_.push_back({graph_.buffer_bytes[use.buffer], replicas_.valid_nodes(use.buffer)});
    }
    for (std::size_t d = 0; d < gpu_views_.size(); ++d) {
      detail::GpuView& view = gpu_views_[d];
      view.free_units = gpu_busy_[d] ? 0 : units_per_resource;
      view.free_memory = view.total_memory = machine_.gpu_memory;
      const int device = static_cast<int>(d);
      view.available_in_s = (gpu_busy_[d] ? gpu_ends_[d] - now_ : 0.0) + committed_.work_ahead(device, priority);
      view.committed = committed_.size(device);
    }
    detail::Snapshot snapshot;
    snapshot.task = {{bodies.data(), count}, queues_.sequence(t), graph_.tasks[t].priority, queued_behind, inputs_};
    snapshot.gpus = gpu_views_;
    snapshot.free_cpu_units = static_cast<std::int64_t>(free_cpus_) * units_per_resource;
    snapshot.total_cpu_units = static_cast<std::int64_t>(machine_.cpus) * units_per_resource;
    snapshot.cpus_available_in_s = cpus_available_in(priority);
    snapshot.cpus_committed = committed_.size(-1);
    snapshot.commit_limit = commit_limit_;
    snapshot.commit_prefetches = options_.prefetch_depth > 0;
    snapshot.links = machine_.links;
    snapshot.calibration_samples = options_.calibration_samples;
    ++schedule_.policy_calls;
    const Decision decision = policy_.decide(snapshot);
    if (decision.kind == Decision::Kind::infeasible) return Offer::never;
    if (decision.kind == Decision::Kind::wait) return Offer::waits;
    const bool gpu_body = on_gpu[static_cast<std::size_t>(decision.variant)];
    if (decision.kind == Decision::Kind::commit) {
      const int node = gpu_body ? (decision.gpus.empty() ? -1 : decision.gpus.front()) : -1;
      if ((gpu_body && node < 0) || committed_.size(node) >= commit_limit_) return Offer::waits;  // refused
      commit(t, node, priority);
      return Offer::started;
    }
    if (gpu_body) {
      const int device = decision.gpus.empty() ? -1 : decision.gpus.front();
      if (device < 0 || gpu_busy_[static_cast<std::size_t>(device)]) return Offer::waits;  // the ledger refuses
      start(t, device);
    } else {
      if (free_cpus_ == 0) return Offer::waits;
      start(t, -1);
    }
    return Offer::started;
  }

  /// Predicted seconds until a core is free for a task of `priority`: the running tasks' ends, then the tasks
  /// committed to the CPUs ahead of it taking the earliest cores in turn.
  double cpus_available_in(int priority) {
    if (committed_.size(-1) == 0) return free_cpus_ > 0 || cpu_ends_.empty() ? 0.0 : cpu_ends_.top() - now_;
    core_ends_.clear();
    auto running = cpu_ends_;
    while (!running.empty()) {
      core_ends_.push_back(running.top());
      running.pop();
    }
    core_ends_.resize(static_cast<std::size_t>(machine_.cpus), now_);  // free cores: now (the running ones first)
    std::make_heap(core_ends_.begin(), core_ends_.end(), std::greater<>());
    for (const Committed& c : committed_.queue(-1)) {
      if (c.priority < priority) break;  // the queue is by priority: the rest would run after it
      std::pop_heap(core_ends_.begin(), core_ends_.end(), std::greater<>());
      core_ends_.back() = std::max(core_ends_.back(), now_) + c.run_s;
      std::push_heap(core_ends_.begin(), core_ends_.end(), std::greater<>());
    }
    return std::max(0.0, core_ends_.front() - now_);
  }

  /// Queues `t` on `node` (-1: the CPUs) to run when it frees; its inputs start moving if it is within the
  /// prefetch depth.
  void commit(std::uint32_t t, int node, int priority) {
    const double run = node < 0 ? times_.cpu_s[t] : times_.gpu_s[t];
    committed_.push(node, {t, priority, queues_.sequence(t), run});
    ++schedule_.committed;
    if (node < 0 ? free_cpus_ > 0 : !gpu_busy_[static_cast<std::size_t>(node)]) {
      drain(node);  // the device is free after all: it takes its queue's head now
    } else {
      prefetch(node);
    }
  }

  /// Starts copying the inputs of the first prefetch_depth tasks committed to `node` that are not moving yet.
  void prefetch(int node) {
    const auto& queue = committed_.queue(node);
    const std::size_t depth = std::min<std::size_t>(queue.size(), options_.prefetch_depth);
    for (std::size_t i = 0; i < depth; ++i) {
      const std::uint32_t t = queue[i].task;
      if (prefetched_[t]) continue;
      prefetched_[t] = true;
      inputs_ready_s_[t] = fetch_inputs(t, node);
    }
  }

  /// `node` is free: its first committed task starts there.
  void drain(int node) {
    if (committed_.size(node) == 0) return;
    start(committed_.pop(node).task, node);
    prefetch(node);
  }

  /// Copies `t`'s read inputs to `node` and holds them there; returns when the last one is there.
  double fetch_inputs(std::uint32_t t, int node) {
    double ready = now_;
    for (std::uint32_t i = graph_.use_offsets[t]; i < graph_.use_offsets[t + 1]; ++i) {
      const BufferUse& use = graph_.uses[i];
      if (use.access == Access::write) continue;
      ready = std::max(ready, replicas_.fetch(use.buffer, node, t, now_, links_, machine_.links, schedule_));
    }
    return ready;
  }

  void start(std::uint32_t t, int gpu) {
    TaskRun& run = schedule_.runs[t];
    run.gpu = gpu;
    run.placed_s = now_;
    if (gpu < 0) {
      run.cpu_slot = free_slots_.back();
      free_slots_.pop_back();
      --free_cpus_;
      ++schedule_.cpu_tasks;
    } else {
      gpu_busy_[static_cast<std::size_t>(gpu)] = true;
      --free_gpus_;
      ++schedule_.gpu_tasks;
    }
    for (std::uint32_t i = graph_.use_offsets[t]; i < graph_.use_offsets[t + 1]; ++i) {
      const BufferUse& use = graph_.uses[i];
      if (use.access == Access::write) replicas_.reserve(use.buffer, gpu, t, now_, links_, schedule_);
    }
    const double ready = prefetched_[t] ? std::max(now_, inputs_ready_s_[t]) : fetch_inputs(t, gpu);
    run.start_s = ready;
    (gpu < 0 ? schedule_.cpu_input_wait_s : schedule_.gpu_input_wait_s) += ready - now_;
    run.end_s = ready + (gpu < 0 ? times_.cpu_s[t] : times_.gpu_s[t]);
    events_.push(run.end_s, t);
    if (gpu < 0) cpu_ends_.push(run.end_s);
    else gpu_ends_[static_cast<std::size_t>(gpu)] = run.end_s;
    ++schedule_.task_events;
  }

  void complete(std::uint32_t t) {
    const TaskRun& run = schedule_.runs[t];
    for (std::uint32_t i = graph_.use_offsets[t]; i < graph_.use_offsets[t + 1]; ++i) {
      const BufferUse& use = graph_.uses[i];
      replicas_.release(use.buffer, run.gpu);
      if (use.access != Access::read) replicas_.written(use.buffer, run.gpu, run.end_s);
    }
    if (run.gpu < 0) {
      schedule_.cpu_busy_s[static_cast<std::size_t>(run.cpu_slot)] += run.end_s - run.start_s;
      free_slots_.push_back(run.cpu_slot);
      ++free_cpus_;
      cpu_ends_.pop();
    } else {
      schedule_.gpu_busy_s[static_cast<std::size_t>(run.gpu)] += run.end_s - run.start_s;
      gpu_busy_[static_cast<std::size_t>(run.gpu)] = false;
      ++free_gpus_;
    }
    drain(run.gpu);  // the scheduler's finished(): a device's committed queue goes first
    ++schedule_.task_events;
    dispatch();  // the scheduler's finished(): freed resources go to the queued heads first
    for (std::uint32_t i = graph_.successor_offsets[t]; i < graph_.successor_offsets[t + 1]; ++i) {
      const std::uint32_t next = graph_.successors[i];
      if (--pending_[next] == 0) enqueue(next);
    }
  }

  const TaskGraph& graph_;
  const TaskTimes& times_;
  const Machine& machine_;
  const detail::Policy& policy_;
  const ReplayOptions& options_;
  std::vector<int> priorities_;
  ClassQueues queues_;
  EventQueue events_;
  LinkModel links_;
  ReplicaModel replicas_;
  std::vector<std::uint32_t> pending_;
  std::uint32_t commit_limit_;         // 0 for a policy not using the models, as the scheduler has it
  CommittedQueues committed_;
  std::vector<bool> prefetched_;       // per task: its inputs were copied when it was committed
  std::vector<double> inputs_ready_s_;  // per prefetched task: when they are there
  std::vector<double> core_ends_;      // scratch for cpus_available_in
  double now_ = 0;
  int free_cpus_;
  int free_gpus_;
  std::vector<int> free_slots_;
  std::priority_queue<double, std::vector<double>, std::greater<>> cpu_ends_;
  std::vector<bool> gpu_busy_;
  std::vector<double> gpu_ends_;
  std::vector<detail::GpuView> gpu_views_;
  std::vector<detail::InputView> inputs_;
  Schedule schedule_;
};

}  // namespace

Schedule replay(const TaskGraph& graph, const TaskTimes& times, const Machine& machine, const detail::Policy& policy,
                const ReplayOptions& options) {
  return Replay(graph, times, machine, policy, options).run();
}

}  // namespace hetsched::bench
