/// @file plan.hpp
/// @brief The seeded random task graph the stress test submits: tasks, actor calls, buffers, actors, cancels and
/// kills, each decided in advance so that the checks know what every ref may resolve to.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace hetsched_stress {

/// Elements in each buffer of the pool.
inline constexpr std::size_t buffer_elements = 32;

/// A 64-bit mix (splitmix64's finaliser): every value the graph computes goes through it, so a wrong input shows.
constexpr std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// What a task's body throws, and how.
enum class Failure : std::uint8_t {
  none,
  user,          ///< std::runtime_error on the first `fail_attempts` runs
  device,        ///< hetsched::DeviceError on the first `fail_attempts` runs
};

/// How a task uses its buffer.
enum class BufferUse : std::uint8_t { none, read, write, read_write };

/// What a task's body submits itself.
enum class Nested : std::uint8_t {
  none,
  get_child,    ///< submits a child task and waits for it; the child's value goes into the result
  leave_child,  ///< submits a child task and leaves its ref in the side table, unawaited
  /// calls an actor: waits for the call on an actor no call with inputs goes to (an ActorDiedError is caught and
  /// logged), else leaves the call's ref in the side table (waiting there could deadlock, by the program's own
  /// fault: a main-thread call waiting for its input holds back the actor's later calls, and that input may wait
  /// for a buffer this very task holds)
  actor_call,
};

/// One item of the graph, in submission order: a task or (with `actor_call`) a call on an actor from the main thread.
struct Item {
  int id = 0;
  bool is_actor_call = false;  ///< a main-thread call actor.call(&Counter::add, id[, input])
  int actor = -1;              ///< the actor called (main-thread call, or Nested::actor_call)
  double cpus = 1;
  double gpus = 0;
  double custom = 0;
  std::vector<int> inputs;     ///< ids of earlier tasks whose refs are arguments (at most 3)
  Failure failure = Failure::none;
  int fail_attempts = 0;       ///< the body throws on its runs 1..fail_attempts
  int max_retries = 0;
  bool retry_exceptions = false;
  BufferUse buffer_use = BufferUse::none;
  int buffer = -1;
  Nested nested = Nested::none;
  int priority = 0;
  /// Never fails and is never cancelled, and neither is any input: only such tasks write buffers, so every write
  /// happens exactly once and the replay is exact.
  bool clean = true;
  /// Filled by the generator's replay for buffer tasks: the hash of the buffer after this task's access.
  std::uint64_t buffer_hash = 0;
};

/// A cancel the second thread makes, once `target` is submitted.
struct CancelPlan {
  int target = 0;
  bool recursive = false;
  int delay_spins = 0;  ///< yields before cancelling, so some land on queued, some on running, some on finished tasks
};

/// An actor: its demand, and when (after which item was submitted) the second thread kills it, if ever.
struct ActorPlan {
  double cpus = 0;    ///< explicit demands held for the actor's life (0: Ray's default, none held)
  double gpus = 0;
  double custom = 0;
  int max_concurrency = 1;
  int kill_after = -1;  ///< -1: never killed
  bool takes_inputs = true;  ///< main-thread calls with a task's result as input go here; nested calls here do not wait
};

/// The whole graph plus the replay's final buffer contents.
struct Plan {
  std::uint64_t seed = 0;
  int gpus = 2;             ///< logical GPUs the runtime is given
  int cpus = 4;
  double custom_total = 2;  ///< the "Custom" resource's total
  std::vector<Item> items;
  std::vector<ActorPlan> actors;
  std::vector<CancelPlan> cancels;  ///< sorted by target
  std::vector<std::array<std::int64_t, buffer_elements>> initial_buffers;
  std::vector<std::array<std::int64_t, buffer_elements>> final_buffers;  ///< the serial replay's result
};

/// Builds the graph for `tasks` items from `seed` (the same seed gives the same plan on every machine).
Plan make_plan(int tasks, std::uint64_t seed);

/// What a task body returns from what it saw: its inputs' values in argument order, its child's value (0 without one)
/// and the hash of its buffer after its access (0 without one).
std::int64_t task_value(int id, const std::vector<std::int64_t>& inputs, std::int64_t child, std::uint64_t buffer_hash);
/// The value the task `item` returns when it and its inputs succeed, given its inputs' values in argument order.
std::int64_t expected_value(const Item& item, const std::vector<std::int64_t>& inputs);
/// What a child task submitted from item `parent` returns.
std::int64_t child_value(int parent);
/// The element `k` the task `id` writes (write access) or mixes in (read_write access).
std::int64_t written_element(int id, std::size_t k);
/// Applies task `id`'s access to a buffer's contents (what a writer's body does, and what the replay does).
void apply_write(std::int64_t* values, std::size_t count, int id, bool read_first);
/// The hash of a buffer's contents that buffer tasks fold into their result.
std::uint64_t hash_contents(const std::int64_t* values, std::size_t count);

}  // namespace hetsched_stress
