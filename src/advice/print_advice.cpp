#include <cstdio>

#include "hetsched/advice.hpp"

namespace hetsched {

std::string_view advice_kind_name(AdviceKind kind) noexcept {
  switch (kind) {
    case AdviceKind::get_in_submit_loop: return "get_in_submit_loop";
    case AdviceKind::tiny_tasks: return "tiny_tasks";
    case AdviceKind::repeated_large_argument: return "repeated_large_argument";
    case AdviceKind::get_all_then_process: return "get_all_then_process";
    case AdviceKind::gpu_task_off_its_stream: return "gpu_task_off_its_stream";
    case AdviceKind::buffer_moves_every_call: return "buffer_moves_every_call";
  }
  return "unknown";
}

void print_advice(const Advice& advice) {
  const std::string_view name = advice_kind_name(advice.kind);
  std::fprintf(stderr, "hetsched: advice [%.*s]: %.*s\n", static_cast<int>(name.size()), name.data(),
               static_cast<int>(advice.message.size()), advice.message.data());
}

}  // namespace hetsched
