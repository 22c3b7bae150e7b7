// Twin of the actor part of seeds/004 ("Parallelize your algorithm by Ray", 3. remote classes): the Counter actor,
// whose increment returns the new value; an actor with resources of its own (the seed's num_cpus=2, num_gpus=0.5);
// and copies of an actor handle passed to tasks that call the actor while the program reads it.
// Look for: the first increment returning 1 and four more returning [2, 3, 4, 5] in submission order; a copied
// handle and a lookup by name reaching the same counter; the cpus(2).gpus(0.5) actor holding its 2 CPUs and half a
// GPU while alive and giving them back when killed, after which a call fails with ActorDiedError; three tasks each
// incrementing one counter 100 times through their copy of its handle, the samples read meanwhile rising, and the
// final count 300.
// Exits non-zero if any returned value, resource figure or error differs from those.

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "checks.hpp"

namespace {

using namespace std::chrono_literals;

constexpr int bump_tasks = 3;
constexpr int increments_per_task = 100;
constexpr auto pause_between_increments = 1ms;  // the seed's time.sleep(0.1), shortened
constexpr int samples = 5;
constexpr auto pause_between_samples = 20ms;  // the seed's time.sleep(1), shortened

/// The seed's Counter: increment returns the new value.
class Counter {
 public:
  int increment() { return ++value_; }
  int get_counter() const { return value_; }

 private:
  int value_ = 0;
};

/// The seed's `@ray.remote(num_cpus=2, num_gpus=0.5) class Actor`: reports what it was given.
class ResourceActor {
 public:
  /// The GPU ids and CPUs a call of this actor runs with (an actor's calls run with the actor's resources).
  std::pair<std::vector<int>, double> placement(hetsched::TaskContext& context) const {
    return {std::vector<int>(context.gpu_ids().begin(), context.gpu_ids().end()), context.cpus()};
  }
};

/// The seed's f(counter): increments the counter through the handle it was given, without waiting for the results.
void bump(const hetsched::ActorHandle<Counter>& counter, int increments) {
  for (int i = 0; i < increments; ++i) {
    std::this_thread::sleep_for(pause_between_increments);
    counter.call(&Counter::increment);  // the ref is dropped: the call still runs, in submission order
  }
}

void print_section(const char* title) { std::printf("\n== %s\n", title); }

void show_counter(hetsched::Runtime& runtime, examples::Checks& checks) {
  print_section("The Counter actor");
  hetsched::ActorHandle<Counter> counter = runtime.actor<Counter>().name("counter").remote();
  int first = runtime.get(counter.call(&Counter::increment));
  std::printf("counter = runtime.actor<Counter>().remote(); get(counter.call(&Counter::increment)) = %d\n", first);
  checks.expect(first == 1, "the first increment returns 1");

  std::vector<hetsched::ObjectRef<int>> refs;
  for (int i = 0; i < 4; ++i) refs.push_back(counter.call(&Counter::increment));
  std::vector<int> values = runtime.get(refs);
  std::printf("four more calls, then get of all four = %s\n", examples::format_list(values).c_str());
  checks.expect(values == std::vector<int>{2, 3, 4, 5}, "four increments return [2, 3, 4, 5] in submission order");

  hetsched::ActorHandle<Counter> copy = counter;
  hetsched::ActorHandle<Counter> found = runtime.get_actor<Counter>("counter");
  int through_copy = runtime.get(copy.call(&Counter::increment));
  int through_lookup = runtime.get(found.call(&Counter::increment));
  std::printf("through a copy of the handle: %d; through runtime.get_actor<Counter>(\"counter\"): %d\n", through_copy,
              through_lookup);
  checks.expect(copy == counter && found == counter, "a copy and a lookup by name are handles of the same actor");
  checks.expect(through_copy == 6 && through_lookup == 7, "a copy and a lookup reach the same counter (6, then 7)");
}

void show_actor_resources(hetsched::Runtime& runtime, examples::Checks& checks) {
  print_section("An actor with resources: runtime.actor<ResourceActor>().cpus(2).gpus(0.5)");
  auto actor = runtime.actor<ResourceActor>().cpus(2).gpus(0.5).remote();
  const auto& [gpu_ids, cpus] = runtime.get(actor.call(&ResourceActor::placement));
  std::printf("its calls run with cpus = %g on GPU %s\n", cpus, examples::format_list(gpu_ids).c_str());
  checks.expect(cpus == 2 && gpu_ids.size() == 1 && gpu_ids[0] == 0, "the actor's calls hold 2 CPUs and GPU 0");

  std::map<std::string, double> held = runtime.available_resources();
  std::printf("available while it lives: CPU %g, GPU %g\n", held["CPU"], held["GPU"]);
  checks.expect(held["CPU"] == 2 && held["GPU"] == 0.5, "a live cpus(2).gpus(0.5) actor leaves 2 CPUs and 0.5 GPU");

  actor.kill();
  std::map<std::string, double> released = runtime.available_resources();
  std::printf("available after actor.kill(): CPU %g, GPU %g\n", released["CPU"], released["GPU"]);
  checks.expect(released["CPU"] == 4 && released["GPU"] == 1, "a killed actor gives its resources back");
  try {
    runtime.get(actor.call(&ResourceActor::placement));
    checks.expect(false, "a call on a killed actor fails with ActorDiedError");
  } catch (const hetsched::ActorDiedError& error) {
    std::printf("a call after kill: ActorDiedError: %s\n", error.what());
  }
}

void show_handles_in_tasks(hetsched::Runtime& runtime, examples::Checks& checks) {
  print_section("Actor handles passed to tasks");
  hetsched::ActorHandle<Counter> counter = runtime.actor<Counter>().remote();
  std::vector<hetsched::ObjectRef<void>> tasks;
  for (int i = 0; i < bump_tasks; ++i) tasks.push_back(runtime.task(bump).remote(counter, increments_per_task));

  std::vector<int> seen;
  for (int i = 0; i < samples; ++i) {
    std::this_thread::sleep_for(pause_between_samples);
    seen.push_back(runtime.get(counter.call(&Counter::get_counter)));
  }
  std::printf("get_counter while %d tasks increment it (%d times each): %s\n", bump_tasks, increments_per_task,
              examples::format_list(seen).c_str());
  bool rising = true;
  for (std::size_t i = 1; i < seen.size(); ++i) rising = rising && seen[i - 1] <= seen[i];
  checks.expect(rising, "the samples never go down");

  runtime.get(tasks);
  // Called after every task returned, so it queues behind all of their increments.
  int final_count = runtime.get(counter.call(&Counter::get_counter));
  std::printf("after the tasks finished: get_counter = %d\n", final_count);
  checks.expect(final_count == bump_tasks * increments_per_task, "the counter ends at 3 x 100 = 300");
}

}  // namespace

int main() {
  hetsched::Config config;
  config.num_cpus = 4;
  config.num_gpus = 1;              // a logical GPU where there is none: the resource actor's half fits on it
  config.read_environment = false;  // the checks compare against exactly these totals
  hetsched::Runtime runtime{config};
  examples::Checks checks;
  std::printf("actor_counter: the actors of Ray's API tour (seeds/004) with hetsched, num_cpus = 4, num_gpus = 1\n");

  show_counter(runtime, checks);
  show_actor_resources(runtime, checks);
  show_handles_in_tasks(runtime, checks);

  return checks.exit_code();
}
