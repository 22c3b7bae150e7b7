// The one place that knows every workload by name.
#include "hetsched/error.hpp"
#include "workloads/workloads.hpp"

namespace hetsched::bench {

TaskGraph make_workload(std::string_view name, const WorkloadOptions& options) {
  if (name == "cholesky") return cholesky_workload(options);
  if (name == "lu") return lu_workload(options);
  if (name == "random") return random_workload(options);
  if (name == "mapreduce") return map_reduce_workload(options);
  if (name == "json") return json_workload(options);
  if (name == "seed-delay-get") return seed_delay_get_workload(options);
  if (name == "seed-tiny-tasks") return seed_tiny_tasks_workload(options);
  if (name == "seed-large-object") return seed_large_object_workload(options);
  if (name == "seed-pipeline") return seed_pipeline_workload(options);
  throw UsageError("unknown workload '" + std::string(name) +
                   "'; use \"cholesky\", \"lu\", \"random\", \"mapreduce\", \"json\" (with --graph FILE.json), "
                   "or one of the seeds' programs: \"seed-delay-get\", \"seed-tiny-tasks\", \"seed-large-object\", "
                   "\"seed-pipeline\"");
}

}  // namespace hetsched::bench
