// Twin of seeds/004's parameter server ("remote classes (actors)" and "Sharding Across Multiple Parameter Servers"):
// a ParameterServer actor holds a vector of 2^20 float parameters; worker tasks repeatedly pull them
// (get_parameters), compute a gradient and push it (apply_gradients). The same run is made with one server, then
// with the vector sharded across 2 and 4 servers: each holds one slice, a worker pulls every slice (all requests out
// before the first get) and pushes each slice of its gradient to that slice's server.
// The gradient is synthetic and deterministic: step s of worker w pushes coefficient(w, s) * pattern(i) for parameter
// i, whatever it pulled, so the result does not depend on how the updates interleave. Every parameter must end at
// exactly -learning_rate * pattern(i) * (sum of all coefficients): the values are small multiples of 0.25, which
// float adds without rounding. Each pulled slice is checked too: one server applies a gradient whole, between two
// calls, so a slice always shows a whole number of updates (one multiplier k for all its parameters).
// Look for: gradient updates per second for 1, 2 and 4 servers, and how busy the busiest server was. A server runs
// one call at a time, so with one server every pull (a 4 MB copy) and every push queue behind each other: when it is
// busy nearly all the time it is the bottleneck, and shards (whose copies and additions run at once) raise the
// throughput. When it is not, the cores are: on a 2-core machine the workers' own work (checking what they pulled,
// building the gradient) and the servers' share the same two cores, and sharding changes little.
// Exits non-zero if a final parameter or a pulled slice is not what the updates must produce; timings are printed,
// never checked.

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "checks.hpp"
#include "stopwatch.hpp"

namespace {

constexpr std::size_t parameter_count = std::size_t{1} << 20;  // 1M floats, 4 MB
constexpr int worker_count = 4;
constexpr int steps_per_worker = 25;
constexpr float learning_rate = 0.25f;
constexpr int shard_counts[] = {1, 2, 4};

/// The shape of every gradient: a small whole number per parameter, so sums of updates stay exact in float.
float pattern(std::size_t parameter) { return static_cast<float>(parameter % 7 + 1); }

/// How strongly step `step` of worker `worker` pushes: 1 to 4.
int coefficient(int worker, int step) { return (worker + step) % 4 + 1; }

/// The value every parameter is a multiple of after updates whose coefficients sum to `coefficient_sum`.
float expected_value(std::size_t parameter, int coefficient_sum) {
  return -learning_rate * pattern(parameter) * static_cast<float>(coefficient_sum);
}

/// The seed's ParameterServer: holds one slice of the parameters (all of them when there is one server).
class ParameterServer {
 public:
  explicit ParameterServer(std::size_t size) : parameters_(size, 0.0f) {}

  /// A copy of the slice, as Ray's get_params returns one through its object store.
  std::vector<float> get_parameters() const {
    examples::Stopwatch stopwatch;
    std::vector<float> copy = parameters_;
    busy_seconds_ += stopwatch.seconds();
    return copy;
  }

  /// Applies one gradient of the slice's size: one step of gradient descent.
  void apply_gradients(const std::vector<float>& gradient) {
    examples::Stopwatch stopwatch;
    for (std::size_t i = 0; i < parameters_.size(); ++i) parameters_[i] -= learning_rate * gradient[i];
    busy_seconds_ += stopwatch.seconds();
  }

  /// Seconds spent inside get_parameters and apply_gradients: near the run's length, this server is the bottleneck.
  double busy_seconds() const { return busy_seconds_; }

 private:
  std::vector<float> parameters_;
  mutable double busy_seconds_ = 0;  // calls run one at a time, so no lock is needed
};

using Servers = std::vector<hetsched::ActorHandle<ParameterServer>>;

/// The servers of one configuration; server k holds parameters [k * slice_size, (k + 1) * slice_size).
struct Sharding {
  Servers servers;
  std::size_t slice_size = 0;
};

Sharding start_servers(hetsched::Runtime& runtime, int shard_count) {
  Sharding sharding;
  sharding.slice_size = parameter_count / static_cast<std::size_t>(shard_count);
  for (int k = 0; k < shard_count; ++k) {
    sharding.servers.push_back(runtime.actor<ParameterServer>().remote(sharding.slice_size));
  }
  return sharding;
}

/// Whether the slice starting at parameter `first` shows a whole number of updates: one coefficient sum for all.
bool is_consistent(const std::vector<float>& slice, std::size_t first) {
  const float multiplier = -slice[0] / (learning_rate * pattern(first));
  for (std::size_t i = 0; i < slice.size(); ++i) {
    if (slice[i] != -learning_rate * pattern(first + i) * multiplier) return false;
  }
  return true;
}

/// Pulls every slice (all requests out before the first get) and returns how many were inconsistent.
int pull_and_check(hetsched::Runtime& runtime, const Servers& servers, std::size_t slice_size) {
  std::vector<hetsched::ObjectRef<std::vector<float>>> slices;
  for (const auto& server : servers) slices.push_back(server.call(&ParameterServer::get_parameters));
  int inconsistent = 0;
  for (std::size_t k = 0; k < slices.size(); ++k) {
    inconsistent += is_consistent(runtime.get(slices[k]), k * slice_size) ? 0 : 1;
  }
  return inconsistent;
}

/// The seed's worker: `steps` times pulls the parameters, computes a gradient, pushes each slice of it to its
/// server. Waits for its pushes before returning; returns how many inconsistent slices it pulled.
int worker(hetsched::TaskContext& context, const Servers& servers, std::size_t slice_size, int worker_index,
           int steps) {
  hetsched::Runtime& runtime = context.runtime();
  int inconsistent = 0;
  std::vector<hetsched::ObjectRef<void>> pushes;
  for (int step = 0; step < steps; ++step) {
    inconsistent += pull_and_check(runtime, servers, slice_size);
    const auto scale = static_cast<float>(coefficient(worker_index, step));
    for (std::size_t k = 0; k < servers.size(); ++k) {
      std::vector<float> gradient(slice_size);
      for (std::size_t i = 0; i < slice_size; ++i) gradient[i] = scale * pattern(k * slice_size + i);
      pushes.push_back(servers[k].call(&ParameterServer::apply_gradients, std::move(gradient)));
    }
  }
  runtime.get(pushes);
  return inconsistent;
}

/// Counts the final parameters that differ from what the updates of every worker must produce.
std::size_t count_wrong_parameters(hetsched::Runtime& runtime, const Sharding& sharding) {
  int coefficient_sum = 0;
  for (int w = 0; w < worker_count; ++w) {
    for (int step = 0; step < steps_per_worker; ++step) coefficient_sum += coefficient(w, step);
  }
  std::size_t wrong = 0;
  for (std::size_t k = 0; k < sharding.servers.size(); ++k) {
    // Requested after every worker waited for its pushes, so it queues behind all of them.
    std::vector<float> slice = runtime.get(sharding.servers[k].call(&ParameterServer::get_parameters));
    for (std::size_t i = 0; i < slice.size(); ++i) {
      wrong += slice[i] == expected_value(k * sharding.slice_size + i, coefficient_sum) ? 0 : 1;
    }
  }
  return wrong;
}

void train(hetsched::Runtime& runtime, int shard_count, examples::Checks& checks) {
  Sharding sharding = start_servers(runtime, shard_count);
  examples::Stopwatch stopwatch;
  std::vector<hetsched::ObjectRef<int>> workers;
  for (int w = 0; w < worker_count; ++w) {
    workers.push_back(runtime.task(worker).remote(sharding.servers, sharding.slice_size, w, steps_per_worker));
  }
  int inconsistent = 0;
  for (int count : runtime.get(workers)) inconsistent += count;
  const double seconds = stopwatch.seconds();

  double busiest = 0;
  for (const auto& server : sharding.servers) {
    busiest = std::max(busiest, runtime.get(server.call(&ParameterServer::busy_seconds)));
  }
  const int updates = worker_count * steps_per_worker;
  std::printf("  %d server(s) of %7zu parameters: %3d updates in %.3f s = %6.1f updates/s, busiest server busy "
              "%3.0f%%\n",
              shard_count, sharding.slice_size, updates, seconds, updates / seconds, 100 * busiest / seconds);
  const std::string label = std::to_string(shard_count) + " server(s)";
  checks.expect(inconsistent == 0, label + ": every pulled slice shows whole updates (" +
                                       std::to_string(inconsistent) + " did not)");
  const std::size_t wrong = count_wrong_parameters(runtime, sharding);
  checks.expect(wrong == 0, label + ": every final parameter is -0.25 x pattern x sum of coefficients (" +
                                std::to_string(wrong) + " differ)");
}

}  // namespace

int main() {
  hetsched::Runtime runtime;  // the seed's ray.init(): every core of this machine
  examples::Checks checks;
  std::printf("parameter_server: %zu float parameters, %d worker tasks x %d steps (pull, gradient, push), num_cpus = "
              "%g\n",
              parameter_count, worker_count, steps_per_worker, runtime.total_resources()["CPU"]);
  for (int shard_count : shard_counts) train(runtime, shard_count, checks);
  return checks.exit_code();
}
