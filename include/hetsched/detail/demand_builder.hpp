/// @file detail/demand_builder.hpp
/// @brief DemandBuilder: the resource setters shared by TaskBuilder and ActorBuilder. Not API.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "hetsched/detail/resource_demand.hpp"

namespace hetsched::detail {

/// Adds cpus(), gpus() and resource() to a builder; quantities are checked when set (ResourceError). Each setter
/// keeps the builder's value category, so `rt.task(move_only).cpus(1).remote()` still moves the callable.
template <class Derived>
class DemandBuilder {
 public:
  /// CPUs held while running (default 1; 0 allowed); the body's tbb::this_task_arena::max_concurrency() is ceil(n).
  Derived& cpus(double n) & {
    demand_.cpu = to_units("CPU", n);
    explicit_demand_ = true;
    return self();
  }
  /// cpus() on a temporary builder.
  Derived&& cpus(double n) && { return std::move(cpus(n)); }
  /// GPUs: 0 < n < 1 shares one device (best fit), a whole n takes n distinct devices.
  Derived& gpus(double n) & {
    demand_.gpu = to_units("GPU", n);
    explicit_demand_ = true;
    return self();
  }
  /// gpus() on a temporary builder.
  Derived&& gpus(double n) && { return std::move(gpus(n)); }
  /// Device memory the task needs on each of its GPUs for its own work (beside its declared buffers), in bytes: it is
  /// placed only where that much is free, and holds it while it runs: buffer replicas on its first GPU are evicted to
  /// leave it free, and its buffers must fit beside it (requires gpus(); see Config::logical_gpu_memory for logical
  /// GPUs). For an actor, the placement holds for its life, the eviction while its constructor runs.
  Derived& gpu_memory(std::uint64_t bytes) & {
    demand_.gpu_memory = bytes;
    explicit_demand_ = true;
    return self();
  }
  /// gpu_memory() on a temporary builder.
  Derived&& gpu_memory(std::uint64_t bytes) && { return std::move(gpu_memory(bytes)); }
  /// A custom resource named in Config::resources.
  Derived& resource(std::string name, double quantity) & {
    demand_.set_custom(std::move(name), to_units("custom resource", quantity));
    explicit_demand_ = true;
    return self();
  }
  /// resource() on a temporary builder.
  Derived&& resource(std::string name, double quantity) && { return std::move(resource(std::move(name), quantity)); }
  /// The placement policy for this task (or actor) instead of Config::placement_policy: "pack", "spread",
  /// "locality", "model", "random" or "random:SEED". An unknown name is a UsageError at remote(), listing the known ones.
  Derived& policy(std::string name) & {
    policy_ = std::move(name);
    return self();
  }
  /// policy() on a temporary builder.
  Derived&& policy(std::string name) && { return std::move(policy(std::move(name))); }

 protected:
  Derived& self() noexcept { return static_cast<Derived&>(*this); }

  ResourceDemand demand_;         ///< What was asked for (default: 1 CPU).
  bool explicit_demand_ = false;  ///< True once any setter was called.
  std::string policy_;            ///< The placement policy's name; empty: the runtime's.
};

}  // namespace hetsched::detail
