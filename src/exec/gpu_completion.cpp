// Config::gpu_completion, checked in every build (with or without CUDA, with or without a GPU).
#include "exec/gpu_streams.hpp"
#include "hetsched/error.hpp"

namespace hetsched::detail {

GpuCompletion parse_gpu_completion(const std::string& name) {
  if (name == "events") return GpuCompletion::events;
  if (name == "host_functions") return GpuCompletion::host_functions;
  throw UsageError("unknown GPU completion mode '" + name + "'; use \"events\" or \"host_functions\"");
}

}  // namespace hetsched::detail
