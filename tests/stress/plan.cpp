// The seeded generator and the serial replay of buffer accesses.
#include "plan.hpp"

#include <algorithm>
#include <random>

namespace hetsched_stress {
namespace {

/// How far back inputs are drawn from: near enough that chains of dependencies form, far enough to cross many tasks.
constexpr int input_window = 2000;
constexpr int buffer_count = 12;
constexpr int actor_count = 8;

class Draw {
 public:
  explicit Draw(std::uint64_t seed) : engine_(seed) {}
  /// True with probability p.
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(engine_) < p; }
  /// Uniform in [lo, hi].
  int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(engine_); }
  template <class T, std::size_t N>
  T pick(const T (&choices)[N]) {
    return choices[static_cast<std::size_t>(between(0, static_cast<int>(N) - 1))];
  }

 private:
  std::mt19937_64 engine_;
};

void choose_inputs(Draw& draw, Item& item, const std::vector<int>& tasks, const std::vector<int>& clean_tasks,
                   bool clean_only) {
  const std::vector<int>& pool = clean_only ? clean_tasks : tasks;
  if (pool.empty()) return;
  const int fan_in = draw.between(0, 3);
  for (int i = 0; i < fan_in; ++i) {
    const int lowest = std::max(0, static_cast<int>(pool.size()) - input_window);
    item.inputs.push_back(pool[static_cast<std::size_t>(draw.between(lowest, static_cast<int>(pool.size()) - 1))]);
  }
}

void choose_demand(Draw& draw, Item& item) {
  item.cpus = draw.chance(0.15) ? 2 : 1;
  if (draw.chance(0.25)) item.gpus = draw.pick({0.25, 0.5, 1.0});
  if (draw.chance(0.15)) item.custom = draw.pick({0.5, 1.0});
  if (draw.chance(0.1)) item.priority = draw.between(-2, 2);
}

/// Injects a failure into a task that writes no buffer: thrown before anything else the body does.
void choose_failure(Draw& draw, Item& item) {
  const int kind = draw.between(0, 99);
  if (kind < 8) {  // an application failure, never retried
    item.failure = Failure::user;
    item.fail_attempts = 1;
    if (draw.chance(0.3)) item.max_retries = draw.between(1, 3);  // without retry_exceptions: still not retried
  } else if (kind < 14) {  // an application failure with retry_exceptions
    item.failure = Failure::user;
    item.fail_attempts = draw.between(1, 3);
    item.max_retries = draw.between(1, 3);
    item.retry_exceptions = true;
  } else if (kind < 22) {  // a system failure: retried with max_retries alone
    item.failure = Failure::device;
    item.fail_attempts = draw.between(1, 3);
    item.max_retries = draw.between(0, 3);
  } else if (kind < 26) {  // retries that are never needed
    item.max_retries = draw.between(1, 2);
    item.retry_exceptions = draw.chance(0.5);
  }
}

void replay_buffers(Plan& plan) {
  plan.final_buffers = plan.initial_buffers;
  for (Item& item : plan.items) {
    if (item.buffer_use == BufferUse::none) continue;
    auto& values = plan.final_buffers[static_cast<std::size_t>(item.buffer)];
    if (item.buffer_use != BufferUse::read) {
      apply_write(values.data(), values.size(), item.id, item.buffer_use == BufferUse::read_write);
    }
    item.buffer_hash = hash_contents(values.data(), values.size());
  }
}

}  // namespace

Plan make_plan(int tasks, std::uint64_t seed) {
  Draw draw(seed);
  Plan plan;
  plan.seed = seed;
  for (int b = 0; b < buffer_count; ++b) {
    std::array<std::int64_t, buffer_elements> values{};
    for (std::size_t k = 0; k < values.size(); ++k) values[k] = static_cast<std::int64_t>(mix(seed + b * 977 + k));
    plan.initial_buffers.push_back(values);
  }
  for (int a = 0; a < actor_count; ++a) {
    ActorPlan actor;
    if (a == 0) actor.cpus = 1;
    if (a == 1) actor.gpus = 0.25;
    if (a == 2) actor.custom = 0.5;
    if (a == 3) actor.max_concurrency = 2;
    if (a >= actor_count - 2) actor.takes_inputs = false;
    // Half of them die, somewhere in the run.
    if (a % 2 == 1) actor.kill_after = draw.between(tasks / 10, tasks - 1);
    plan.actors.push_back(actor);
  }

  std::vector<int> task_ids;
  std::vector<int> clean_ids;
  plan.items.reserve(static_cast<std::size_t>(tasks));
  for (int id = 0; id < tasks; ++id) {
    Item item;
    item.id = id;
    if (draw.chance(0.05)) {
      item.is_actor_call = true;
      item.actor = draw.between(0, actor_count - 1);
      if (!task_ids.empty() && plan.actors[static_cast<std::size_t>(item.actor)].takes_inputs && draw.chance(0.3)) {
        item.inputs.push_back(task_ids[static_cast<std::size_t>(
            draw.between(std::max(0, static_cast<int>(task_ids.size()) - input_window),
                         static_cast<int>(task_ids.size()) - 1))]);
      }
      item.clean = false;  // its value is a sequence number, not a function of the plan
      plan.items.push_back(std::move(item));
      continue;
    }
    choose_demand(draw, item);
    const bool writer = draw.chance(0.15);
    choose_inputs(draw, item, task_ids, clean_ids, writer);
    for (int input : item.inputs) item.clean = item.clean && plan.items[static_cast<std::size_t>(input)].clean;
    if (writer) {
      item.buffer_use = draw.chance(0.5) ? BufferUse::write : BufferUse::read_write;
      item.buffer = draw.between(0, buffer_count - 1);
    } else {
      if (draw.chance(0.12)) {
        item.buffer_use = BufferUse::read;
        item.buffer = draw.between(0, buffer_count - 1);
      }
      if (draw.chance(0.4)) {
        choose_failure(draw, item);
        if (item.failure != Failure::none) item.clean = false;
      }
      if (draw.chance(0.06)) {
        plan.cancels.push_back({id, draw.chance(0.5), draw.between(0, 200)});
        item.clean = false;
      }
    }
    const int nested = draw.between(0, 99);
    if (nested < 4) {
      item.nested = Nested::get_child;
    } else if (nested < 8) {
      item.nested = Nested::leave_child;
    } else if (nested < 11) {
      item.nested = Nested::actor_call;
      item.actor = draw.between(0, actor_count - 1);
    }
    task_ids.push_back(id);
    if (item.clean) clean_ids.push_back(id);
    plan.items.push_back(std::move(item));
  }
  replay_buffers(plan);
  return plan;
}

std::int64_t task_value(int id, const std::vector<std::int64_t>& inputs, std::int64_t child, std::uint64_t buffer_hash) {
  std::uint64_t acc = static_cast<std::uint64_t>(id) * 0x100000001b3ULL;
  for (std::size_t i = 0; i < inputs.size(); ++i) acc += static_cast<std::uint64_t>(inputs[i]) * (i + 1);
  acc += static_cast<std::uint64_t>(child);
  return static_cast<std::int64_t>(mix(acc ^ buffer_hash));
}

std::int64_t expected_value(const Item& item, const std::vector<std::int64_t>& inputs) {
  return task_value(item.id, inputs, item.nested == Nested::get_child ? child_value(item.id) : 0,
                    item.buffer_use != BufferUse::none ? item.buffer_hash : 0);
}

std::int64_t child_value(int parent) { return static_cast<std::int64_t>(mix(0xc0ffeeULL ^ static_cast<std::uint64_t>(parent))); }

std::int64_t written_element(int id, std::size_t k) {
  return static_cast<std::int64_t>(mix((static_cast<std::uint64_t>(id) << 8) ^ k));
}

void apply_write(std::int64_t* values, std::size_t count, int id, bool read_first) {
  for (std::size_t k = 0; k < count; ++k) {
    const auto fresh = static_cast<std::uint64_t>(written_element(id, k));
    // Not commutative: two writes applied in the other order give other contents.
    values[k] = read_first ? static_cast<std::int64_t>(static_cast<std::uint64_t>(values[k]) * 31 + fresh)
                           : static_cast<std::int64_t>(fresh);
  }
}

std::uint64_t hash_contents(const std::int64_t* values, std::size_t count) {
  std::uint64_t acc = 0;
  for (std::size_t k = 0; k < count; ++k) acc = mix(acc ^ static_cast<std::uint64_t>(values[k]));
  return acc;
}

}  // namespace hetsched_stress
