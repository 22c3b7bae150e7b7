#include "advice/get_all_then_process.hpp"

#include <algorithm>

namespace hetsched::detail {
namespace {

using Clock = std::chrono::steady_clock;

struct ThreadState {
  std::uint64_t runtime = 0;  // 0: nothing pending
  Clock::time_point returned_at;
  GetAllTimes times;
};

thread_local ThreadState this_thread;

}  // namespace

bool wait_would_help(const GetAllTimes& times) noexcept {
  constexpr std::chrono::nanoseconds at_least = std::chrono::milliseconds(1);
  const std::chrono::nanoseconds overlap = std::min(times.first_to_last, times.work_after);
  return times.refs >= 2 && times.first_to_last >= at_least && times.work_after >= at_least &&
         overlap * 4 >= times.waited + times.work_after;
}

void GetAllThenProcess::returned(std::chrono::nanoseconds waited, std::chrono::nanoseconds first_to_last,
                                 std::size_t refs) noexcept {
  this_thread = ThreadState{runtime_, Clock::now(), GetAllTimes{waited, first_to_last, {}, refs}};
}

std::optional<GetAllTimes> GetAllThenProcess::next_call() noexcept {
  ThreadState& state = this_thread;
  if (state.runtime != runtime_) return std::nullopt;
  state.runtime = 0;
  GetAllTimes times = state.times;
  times.work_after = Clock::now() - state.returned_at;
  return times;
}

}  // namespace hetsched::detail
