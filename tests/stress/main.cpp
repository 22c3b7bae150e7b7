// hetsched_stress: random task graphs against the public API, checked exactly at quiescence.
//
//   hetsched_stress --tasks 100000 --seed 7        the full size (README, "Testing")
//   hetsched_stress --tasks 5000 --seed 1          what ctest runs (label `stress`), with a few seeds
//   hetsched_stress --tasks 5000 --seed 1 --shutdown-under-load
//
// The graph (plan.cpp) is drawn from the seed before anything runs: N items, each a task or (5%) a main-thread call
// on one of 8 actors. A task asks for 1 or 2 CPUs, maybe 0.25/0.5/1 of a logical GPU and 0.5/1 of "Custom"; takes
// 0-3 refs of earlier tasks as arguments; may read, write or read_write one of 12 buffers; may throw a
// std::runtime_error or a hetsched::DeviceError on its first k runs, with max_retries / retry_exceptions that do or
// do not cover k; may submit a child it waits for, a child it leaves behind, or an actor call. A second thread
// cancels 6% of the tasks (half recursively) at the moment they are submitted plus a random delay, so the cancels
// land on waiting, queued, running and finished tasks; it kills four of the actors part-way through, with calls
// queued from the main thread and from task bodies.
//
// Why every check can be exact:
// - Values: a task returns a mix of its id, its inputs' values, its child's value and the hash of its buffer as it
//   saw it, so the checker recomputes each from the inputs' recorded outcomes (verify.cpp walks in submission order).
// - Errors: what a task fails with is decided by the plan (its injected failure and retries), by its inputs (their
//   error, root cause included, propagates), or by the cancel thread (cancel said true: TaskCancelledError; said
//   false: it had finished). The bodies count their runs, so retries are checked exactly too (and against
//   counters().retries).
// - Buffers: only "clean" tasks touch a buffer for writing: they fail never, are never cancelled, and neither is any
//   task they depend on (their inputs are drawn among clean tasks). So every write happens exactly once, in
//   submission order, and the serial replay of the plan (plan.cpp, replay_buffers) gives each reader's view and
//   each buffer's final contents in advance. Readers may fail or be cancelled: that changes no buffer. Writers log
//   their runs under a mutex, and the log must equal the submission order of each buffer's writers.
// - Actors: every call returns the actor's next sequence number. The numbers must be distinct (no call ran twice);
//   a living actor's must not skip numbers (no result lost, allowing for calls cancelled while they ran); main-thread
//   calls on a one-at-a-time actor must get increasing numbers. Calls to a killed actor may die or return.
// At quiescence (every ref resolved, then every ref, handle and buffer dropped) the runtime must have every resource
// back and an empty store (store_stats().objects and list_objects()). --shutdown-under-load instead destroys the
// Runtime right after the last submission, with thousands of tasks, children and actor calls queued and running:
// the destructor must return, every ref must then be resolved, values must still be exact and failures typed
// (under the asan preset, LeakSanitizer checks that nothing leaked).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "plan.hpp"
#include "run_graph.hpp"
#include "verify.hpp"

int main(int argc, char** argv) {
  CLI::App app{"hetsched stress test: a seeded random task graph, checked exactly at quiescence"};
  int tasks = 5000;
  std::uint64_t seed = 1;
  bool shutdown = false;
  int stall_seconds = 120;
  std::vector<int> describe;
  app.add_option("--tasks", tasks, "items in the graph (tasks and actor calls)")->check(CLI::Range(1, 10'000'000));
  app.add_option("--seed", seed, "seed of the graph");
  app.add_flag("--shutdown-under-load", shutdown, "destroy the Runtime with the graph in flight, then check the refs");
  app.add_option("--stall-seconds", stall_seconds, "abort with the runtime's account of what is stuck after this long "
                 "without progress")->check(CLI::PositiveNumber);
  app.add_option("--describe", describe, "print these items of the plan and exit (to diagnose a report)");
  CLI11_PARSE(app, argc, argv);

  const hetsched_stress::Plan plan = hetsched_stress::make_plan(tasks, seed);
  if (!describe.empty()) {
    for (int id : describe) {
      if (id < 0 || id >= tasks) continue;
      const hetsched_stress::Item& item = plan.items[static_cast<std::size_t>(id)];
      std::string inputs;
      for (int input : item.inputs) inputs += " t" + std::to_string(input);
      std::printf("t%d: %s actor %d, cpus %g gpus %g custom %g, inputs [%s ], failure %d x%d, retries %d%s, buffer %d "
                  "use %d, nested %d, clean %d\n",
                  id, item.is_actor_call ? "call on" : "task,", item.actor, item.cpus, item.gpus, item.custom,
                  inputs.c_str(), static_cast<int>(item.failure), item.fail_attempts, item.max_retries,
                  item.retry_exceptions ? " (exceptions too)" : "", item.buffer, static_cast<int>(item.buffer_use),
                  static_cast<int>(item.nested), item.clean ? 1 : 0);
    }
    return EXIT_SUCCESS;
  }
  const hetsched_stress::RunRecord record = hetsched_stress::run_graph(plan, {.shutdown_under_load = shutdown, .stall_seconds = stall_seconds});
  const hetsched_stress::Verdict verdict = hetsched_stress::verify(plan, record, shutdown);

  std::printf("hetsched_stress %s: %d items, seed %llu, %d CPUs, %d logical GPUs\n",
              shutdown ? "(shutdown under load)" : "", tasks, static_cast<unsigned long long>(seed), plan.cpus,
              plan.gpus);
  std::printf("  %.3f s, %.0f items/s\n", record.seconds, record.seconds > 0 ? tasks / record.seconds : 0.0);
  std::printf("  values %d, TaskError %d, TaskCancelledError %d, ActorDiedError %d\n", verdict.values,
              verdict.task_errors, verdict.cancelled, verdict.actor_died);
  std::printf("  injected failures %d, retries %llu, cancels %d (true %d), actors killed %d, children left %d\n",
              verdict.injected_failures, static_cast<unsigned long long>(record.retries), verdict.cancels_asked,
              verdict.cancels_true, verdict.kills, verdict.children);
  if (verdict.violations.empty()) {
    std::printf("  every invariant holds\n");
    return EXIT_SUCCESS;
  }
  std::printf("  %zu VIOLATIONS:\n", verdict.violations.size());
  for (std::size_t i = 0; i < verdict.violations.size() && i < 40; ++i) {
    std::printf("    %s\n", verdict.violations[i].c_str());
  }
  return EXIT_FAILURE;
}
