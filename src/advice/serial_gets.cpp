#include "advice/serial_gets.hpp"

namespace hetsched::detail {
namespace {

struct ThreadState {
  std::uint64_t runtime = 0;
  std::uint64_t last_submitted = 0;
  std::uint32_t submits_since_get = 0;
  std::uint32_t serial_gets = 0;
  bool room_for_two = false;
};

thread_local ThreadState this_thread;

ThreadState& state_for(std::uint64_t runtime) noexcept {
  ThreadState& state = this_thread;
  if (state.runtime != runtime) state = ThreadState{runtime};
  return state;
}

}  // namespace

void SerialGets::submitted(std::uint64_t result_id, bool room_for_two) noexcept {
  ThreadState& state = state_for(runtime_);
  state.last_submitted = result_id;
  state.room_for_two = room_for_two;
  ++state.submits_since_get;
}

bool SerialGets::got(std::uint64_t id, bool had_to_wait, bool others_in_flight) noexcept {
  ThreadState& state = state_for(runtime_);
  const bool serialising = had_to_wait && !others_in_flight && state.room_for_two && state.submits_since_get == 1 &&
                           id == state.last_submitted;
  state.submits_since_get = 0;
  if (!serialising) {
    state.serial_gets = 0;
    return false;
  }
  if (++state.serial_gets < threshold) return false;
  state.serial_gets = 0;
  return true;
}

}  // namespace hetsched::detail
