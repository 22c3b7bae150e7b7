// Submission, the cancel/kill thread, task bodies and their side log, and resolution of every ref.
#include "run_graph.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <thread>

namespace hetsched_stress {

std::int64_t Counter::add(std::int64_t) { return ++calls_; }
std::int64_t Counter::add_after(std::int64_t, const std::int64_t&) { return ++calls_; }

namespace {

using Ref = hetsched::ObjectRef<std::int64_t>;
using BufferRef = hetsched::ObjectRef<hetsched::Buffer<std::int64_t>>;
using Clock = std::chrono::steady_clock;

/// How long quiescence may take to show (refs dropped, actors gone) before it counts as not reached.
constexpr auto quiescence_guard = std::chrono::seconds(30);

std::string task_name(int id) { return "t" + std::to_string(id); }

/// What task bodies share: the plan, the actors they call, and the side log they write under a mutex.
struct SharedState {
  const Plan* plan = nullptr;
  std::vector<hetsched::ActorHandle<Counter>> actors;
  std::unique_ptr<std::atomic<int>[]> attempts;
  std::mutex mutex;
  std::vector<std::vector<int>> buffer_log;
  std::vector<std::vector<std::int64_t>> actor_values;
  std::vector<int> actor_died;
  std::vector<int> actor_cancelled;
  std::vector<std::vector<Ref>> children;
  std::vector<std::vector<Ref>> calls;

  /// The body of task `id`, with its input values and (last) its buffer span.
  template <class... A>
  std::int64_t run(hetsched::TaskContext& ctx, int id, const A&... args) {
    const Item& item = plan->items[static_cast<std::size_t>(id)];
    const int attempt = ++attempts[static_cast<std::size_t>(id)];
    if (attempt <= item.fail_attempts) {
      if (item.failure == Failure::device) throw hetsched::DeviceError("injected device failure in " + task_name(id));
      throw std::runtime_error("injected failure in " + task_name(id));
    }
    std::vector<std::int64_t> inputs;
    std::uint64_t hash = 0;
    (collect(item, inputs, hash, args), ...);
    std::int64_t child = 0;
    switch (item.nested) {
      case Nested::none:
        break;
      case Nested::get_child:
        child = ctx.runtime().get(submit_child(ctx, id, true));
        break;
      case Nested::leave_child: {
        Ref ref = submit_child(ctx, id, false);
        std::lock_guard lock(mutex);
        children[static_cast<std::size_t>(id)].push_back(std::move(ref));
        break;
      }
      case Nested::actor_call:
        call_actor(ctx, item);
        break;
    }
    return task_value(id, inputs, child, hash);
  }

  /// A child on a quarter GPU for every third parent, except that a parent holding a GPU share never waits for one:
  /// a task blocked in get lends only its CPUs, so GPU holders waiting for GPU children could hold every GPU and
  /// wait forever, by the program's own fault.
  Ref submit_child(hetsched::TaskContext& ctx, int parent, bool awaited) {
    auto builder = ctx.runtime().task([](std::int64_t p) { return child_value(static_cast<int>(p)); });
    builder.name("c" + std::to_string(parent));
    if (parent % 3 == 0 && !(awaited && ctx.gpus() > 0)) builder.gpus(0.25);
    return builder.remote(static_cast<std::int64_t>(parent));
  }

  void call_actor(hetsched::TaskContext& ctx, const Item& item) {
    const auto actor = static_cast<std::size_t>(item.actor);
    Ref call = actors[actor].call(&Counter::add, static_cast<std::int64_t>(item.id));
    if (plan->actors[actor].takes_inputs) {
      std::lock_guard lock(mutex);
      calls[static_cast<std::size_t>(item.id)].push_back(std::move(call));
      return;
    }
    try {
      std::int64_t seq = ctx.runtime().get(call);
      std::lock_guard lock(mutex);
      actor_values[actor].push_back(seq);
    } catch (const hetsched::ActorDiedError&) {
      std::lock_guard lock(mutex);
      ++actor_died[actor];
    } catch (const hetsched::TaskCancelledError&) {
      {
        std::lock_guard lock(mutex);
        ++actor_cancelled[actor];
      }
      throw;
    }
  }

  void collect(const Item&, std::vector<std::int64_t>& inputs, std::uint64_t&, const std::int64_t& value) {
    inputs.push_back(value);
  }
  void collect(const Item&, std::vector<std::int64_t>&, std::uint64_t& hash, std::span<const std::int64_t> values) {
    hash = hash_contents(values.data(), values.size());
  }
  void collect(const Item& item, std::vector<std::int64_t>&, std::uint64_t& hash, std::span<std::int64_t> values) {
    apply_write(values.data(), values.size(), item.id, item.buffer_use == BufferUse::read_write);
    {
      std::lock_guard lock(mutex);
      buffer_log[static_cast<std::size_t>(item.buffer)].push_back(item.id);
    }
    hash = hash_contents(values.data(), values.size());
  }
};

/// The callable of every graph task; a template call operator, so that one type serves every arity.
struct Body {
  std::shared_ptr<SharedState> state;
  int id;
  template <class... A>
  std::int64_t operator()(hetsched::TaskContext& ctx, const A&... args) const {
    return state->run(ctx, id, args...);
  }
};

template <class Builder, class... Extra>
Ref remote_with_inputs(const Builder& builder, const std::vector<Ref>& refs, const Item& item, Extra... extra) {
  auto in = [&](std::size_t i) -> const Ref& { return refs[static_cast<std::size_t>(item.inputs[i])]; };
  switch (item.inputs.size()) {
    case 0:
      return builder.remote(extra...);
    case 1:
      return builder.remote(in(0), extra...);
    case 2:
      return builder.remote(in(0), in(1), extra...);
    default:
      return builder.remote(in(0), in(1), in(2), extra...);
  }
}

Ref submit_task(hetsched::Runtime& rt, const std::shared_ptr<SharedState>& state, const std::vector<Ref>& refs,
                const std::vector<BufferRef>& buffers, const Item& item) {
  auto builder = rt.task(Body{state, item.id});
  builder.name(task_name(item.id)).cpus(item.cpus).priority(item.priority);
  if (item.gpus > 0) builder.gpus(item.gpus);
  if (item.custom > 0) builder.resource("Custom", item.custom);
  if (item.max_retries > 0) builder.max_retries(item.max_retries).retry_exceptions(item.retry_exceptions);
  switch (item.buffer_use) {
    case BufferUse::none:
      return remote_with_inputs(builder, refs, item);
    case BufferUse::read:
      return remote_with_inputs(builder, refs, item, hetsched::read(buffers[static_cast<std::size_t>(item.buffer)]));
    case BufferUse::write:
      return remote_with_inputs(builder, refs, item, hetsched::write(buffers[static_cast<std::size_t>(item.buffer)]));
    case BufferUse::read_write:
      return remote_with_inputs(builder, refs, item,
                                hetsched::read_write(buffers[static_cast<std::size_t>(item.buffer)]));
  }
  return {};
}

Ref submit_call(const SharedState& state, const std::vector<Ref>& refs, const Item& item) {
  const auto& actor = state.actors[static_cast<std::size_t>(item.actor)];
  if (item.inputs.empty()) return actor.call(&Counter::add, static_cast<std::int64_t>(item.id));
  return actor.call(&Counter::add_after, static_cast<std::int64_t>(item.id),
                    refs[static_cast<std::size_t>(item.inputs[0])]);
}

std::string cause_of(const std::exception_ptr& cause) {
  try {
    std::rethrow_exception(cause);
  } catch (const hetsched::ActorDiedError&) {
    return "actor_died";
  } catch (const hetsched::DeviceError&) {
    return "device";
  } catch (const hetsched::Error&) {
    return "hetsched";
  } catch (const std::runtime_error&) {
    return "user";
  } catch (...) {
    return "other";
  }
}

Outcome resolve(hetsched::Runtime& rt, const Ref& ref) {
  Outcome outcome;
  try {
    outcome.value = rt.get(ref);
    outcome.kind = Outcome::Kind::value;
  } catch (const hetsched::TaskError& e) {
    outcome.kind = Outcome::Kind::task_error;
    outcome.root = e.task_name();
    outcome.cause = cause_of(e.cause());
    outcome.message = e.what();
  } catch (const hetsched::TaskCancelledError& e) {
    outcome.kind = Outcome::Kind::cancelled;
    outcome.message = e.what();
  } catch (const hetsched::ActorDiedError& e) {
    outcome.kind = Outcome::Kind::actor_died;
    outcome.message = e.what();
  } catch (const hetsched::Error& e) {
    outcome.kind = Outcome::Kind::other_error;
    outcome.message = e.what();
  } catch (const std::exception& e) {
    outcome.kind = Outcome::Kind::untyped;
    outcome.message = e.what();
  }
  return outcome;
}

/// One step of the second thread: after item `after` is submitted, cancel `cancel` or kill actor `actor`.
struct Event {
  int after = 0;
  const CancelPlan* cancel = nullptr;
  int actor = -1;
};

std::vector<Event> events_of(const Plan& plan) {
  std::vector<Event> events;
  for (const CancelPlan& cancel : plan.cancels) events.push_back({cancel.target, &cancel, -1});
  for (std::size_t a = 0; a < plan.actors.size(); ++a) {
    if (plan.actors[a].kill_after >= 0) events.push_back({plan.actors[a].kill_after, nullptr, static_cast<int>(a)});
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& x, const Event& y) { return x.after < y.after; });
  return events;
}

/// Aborts with the runtime's own account of what is stuck when resolving the refs makes no progress for a while: a
/// hang must fail the test with a diagnosis, not time it out silently.
class Watchdog {
 public:
  Watchdog(hetsched::Runtime& rt, const std::atomic<std::size_t>& progress, std::chrono::seconds stall_limit)
      : stall_limit_(stall_limit), thread_([this, &rt, &progress] { watch(rt, progress); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  void watch(hetsched::Runtime& rt, const std::atomic<std::size_t>& progress) {
    std::size_t last = progress.load();
    std::unique_lock lock(mutex_);
    while (!changed_.wait_for(lock, stall_limit_, [&] { return done_; })) {
      const std::size_t now = progress.load();
      if (now != last) {
        last = now;
        continue;
      }
      std::fprintf(stderr, "hetsched_stress: no ref resolved for %lld s (stuck at item %zu); the runtime says:\n%s",
                   static_cast<long long>(stall_limit_.count()), now, rt.summary().c_str());
      for (const hetsched::TaskInfo& task : rt.list_tasks()) {
        std::string demand;
        for (const auto& [name, amount] : task.demand) demand += " " + name + "=" + std::to_string(amount);
        std::fprintf(stderr, "  task %s (%s): %s,%s\n", task.name.c_str(), task.kind.c_str(),
                     std::string(hetsched::to_string(task.status)).c_str(), demand.c_str());
      }
      for (const hetsched::ActorInfo& actor : rt.list_actors()) {
        std::fprintf(stderr, "  actor %s: %s, %zu pending, %d running\n", actor.name.c_str(),
                     std::string(hetsched::to_string(actor.status)).c_str(), actor.pending_calls,
                     actor.running_calls);
      }
      std::abort();
    }
  }

  const std::chrono::seconds stall_limit_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool done_ = false;
  std::thread thread_;
};

hetsched::Config config_of(const Plan& plan) {
  hetsched::Config config;
  config.num_cpus = plan.cpus;
  config.num_gpus = plan.gpus;
  config.resources = {{"Custom", plan.custom_total}};
  config.read_environment = false;
  return config;
}

template <class Predicate>
bool eventually(Predicate predicate) {
  const auto deadline = Clock::now() + quiescence_guard;
  while (!predicate()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace

RunRecord run_graph(const Plan& plan, const RunOptions& options) {
  const std::size_t count = plan.items.size();
  RunRecord record;
  record.verdicts.assign(count, 0);
  record.recursive.assign(count, false);

  auto state = std::make_shared<SharedState>();
  state->plan = &plan;
  state->attempts = std::make_unique<std::atomic<int>[]>(count);
  state->buffer_log.resize(plan.initial_buffers.size());
  state->actor_values.resize(plan.actors.size());
  state->actor_died.assign(plan.actors.size(), 0);
  state->actor_cancelled.assign(plan.actors.size(), 0);
  state->children.resize(count);
  state->calls.resize(count);

  std::optional<hetsched::Runtime> rt(std::in_place, config_of(plan));
  for (const ActorPlan& actor : plan.actors) {
    auto builder = rt->actor<Counter>();
    builder.max_concurrency(actor.max_concurrency);
    if (actor.cpus > 0) builder.cpus(actor.cpus);
    if (actor.gpus > 0) builder.gpus(actor.gpus);
    if (actor.custom > 0) builder.resource("Custom", actor.custom);
    state->actors.push_back(builder.remote());
  }
  std::vector<BufferRef> buffers;
  for (const auto& values : plan.initial_buffers) buffers.push_back(rt->put_buffer(std::span<const std::int64_t>(values)));

  std::vector<Ref> refs(count);
  std::atomic<int> submitted{0};
  const std::vector<Event> events = events_of(plan);
  const auto start = Clock::now();
  std::thread second([&] {
    for (const Event& event : events) {
      while (submitted.load(std::memory_order_acquire) <= event.after) std::this_thread::yield();
      if (event.cancel) {
        for (int spin = 0; spin < event.cancel->delay_spins; ++spin) std::this_thread::yield();
        const auto target = static_cast<std::size_t>(event.cancel->target);
        record.verdicts[target] = rt->cancel(refs[target], event.cancel->recursive) ? 1 : 2;
        record.recursive[target] = event.cancel->recursive;
      } else {
        state->actors[static_cast<std::size_t>(event.actor)].kill();
      }
    }
  });
  for (const Item& item : plan.items) {
    refs[static_cast<std::size_t>(item.id)] =
        item.is_actor_call ? submit_call(*state, refs, item) : submit_task(*rt, state, refs, buffers, item);
    submitted.store(item.id + 1, std::memory_order_release);
  }
  second.join();

  std::optional<hetsched::Runtime> reader;
  if (options.shutdown_under_load) {
    rt.reset();  // cancels what has not started, waits for what runs
    reader.emplace(config_of(plan));
  }
  hetsched::Runtime& get_from = reader ? *reader : *rt;
  record.outcomes.resize(count);
  {
    std::atomic<std::size_t> resolved{0};
    Watchdog watchdog(get_from, resolved, std::chrono::seconds(options.stall_seconds));
    for (std::size_t i = 0; i < count; ++i) {
      if (!options.shutdown_under_load || refs[i].is_ready()) {  // one not ready stays unresolved: a violation
        record.outcomes[i] = resolve(get_from, refs[i]);
      }
      resolved.store(i + 1, std::memory_order_relaxed);
    }
  }
  record.seconds = std::chrono::duration<double>(Clock::now() - start).count();

  // Every body has returned (its ref resolved), so the side log is complete; children may still be running.
  std::vector<std::vector<Ref>> children;
  std::vector<std::vector<Ref>> calls;
  {
    std::lock_guard lock(state->mutex);
    children = std::move(state->children);
    calls = std::move(state->calls);
    record.buffer_log = state->buffer_log;
    record.actor_values = state->actor_values;
    record.actor_died = state->actor_died;
    record.actor_cancelled = state->actor_cancelled;
  }
  auto resolve_all = [&](const std::vector<std::vector<Ref>>& left, std::vector<std::vector<Outcome>>& into) {
    into.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      for (const Ref& ref : left[i]) {
        into[i].push_back(ref.is_ready() || !options.shutdown_under_load ? resolve(get_from, ref) : Outcome{});
      }
    }
  };
  resolve_all(children, record.children);
  resolve_all(calls, record.calls);
  record.attempts.resize(count);
  for (std::size_t i = 0; i < count; ++i) record.attempts[i] = state->attempts[i].load();

  record.final_buffers.resize(buffers.size());
  record.final_buffer_errors.resize(buffers.size());
  if (!options.shutdown_under_load) {
    for (std::size_t b = 0; b < buffers.size(); ++b) {
      try {
        std::span<const std::int64_t> values = rt->get(buffers[b]);
        record.final_buffers[b].assign(values.begin(), values.end());
      } catch (const std::exception& e) {
        record.final_buffer_errors[b] = e.what();
      }
    }
    record.retries = rt->counters().retries;
  }

  // Quiescence: drop everything, then the runtime must hold nothing and have every resource back.
  children.clear();
  calls.clear();
  refs.clear();
  buffers.clear();
  state->actors.clear();
  if (!options.shutdown_under_load) {
    record.total_resources = rt->total_resources();
    eventually([&] { return rt->available_resources() == record.total_resources; });
    record.available_resources = rt->available_resources();
    eventually([&] { return rt->store_stats().objects == 0 && rt->list_objects().empty(); });
    record.objects_left = rt->store_stats().objects;
    record.listed_objects_left = rt->list_objects().size();
  }
  return record;
}

}  // namespace hetsched_stress
