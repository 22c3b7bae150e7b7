// The first seed mistake (seeds/000, tip 1): a loop that submits one task and gets it before submitting the next,
// from one thread, with nothing else in flight, so tasks that could run together run one at a time. Its state is the
// calling thread's (a get is always some thread's), so a hook costs a thread-local read and write.
#pragma once

#include <cstdint>

namespace hetsched::detail {

/// Counts, per thread, the gets that each waited for the one task submitted just before them.
class SerialGets {
 public:
  /// Serialising gets in a row that make the pattern (the seed's loop has four).
  static constexpr std::uint32_t threshold = 3;

  /// `runtime`: a number unique to the runtime (its thread-local state is dropped when another runtime's comes).
  explicit SerialGets(std::uint64_t runtime) noexcept : runtime_(runtime) {}

  /// A plain task was submitted from this thread; `room_for_two`: the runtime could run two of its demand at once.
  void submitted(std::uint64_t result_id, bool room_for_two) noexcept;
  /// This thread's get of one object: `had_to_wait` when it was not ready yet, `others_in_flight` when tasks other
  /// than its producer were in flight. True for the get that completes the pattern (then it starts over).
  bool got(std::uint64_t id, bool had_to_wait, bool others_in_flight) noexcept;

 private:
  std::uint64_t runtime_;
};

}  // namespace hetsched::detail
