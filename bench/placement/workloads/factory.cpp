// The one place that knows every workload by name.
#include "hetsched/error.hpp"
#include "workloads/workloads.hpp"

namespace hetsched::bench {

TaskGraph make_workload(std::string_view name, const WorkloadOptions& options) {
  if (name == "cholesky") return cholesky_workload(options);
  throw UsageError("unknown workload '" + std::string(name) + "'; use \"cholesky\"");
}

}  // namespace hetsched::bench
