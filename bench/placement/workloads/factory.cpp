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
  throw UsageError("unknown workload '" + std::string(name) +
                   "'; use \"cholesky\", \"lu\", \"random\", \"mapreduce\" or \"json\" (with --graph FILE.json)");
}

}  // namespace hetsched::bench
