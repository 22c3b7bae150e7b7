// The fourth seed mistake (seeds/000, tip 4): get(refs) on tasks whose durations vary widely, then work on the
// results. The get waits for the slowest while the first results sit ready; the work after it could have overlapped
// the slower tasks, result by result, with wait(refs, 1). A get of several refs measures when the first and the last
// became ready; the work after it is the time until the same thread calls the runtime again (or destroys it). Only a
// get of at most twice as many refs as the runtime has CPU slots is looked at: with more, the tasks run in waves
// and their results come in a stream whatever their durations.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace hetsched::detail {

/// What one get-all and the work after it took.
struct GetAllTimes {
  std::chrono::nanoseconds waited{};         ///< From the call to the last result ready.
  std::chrono::nanoseconds first_to_last{};  ///< From the first result ready to the last.
  std::chrono::nanoseconds work_after{};     ///< From the return to this thread's next call of the runtime.
  std::size_t refs = 0;                      ///< How many refs it got.
};

/// Whether wait(refs, 1) would have saved a good part of the time: the early results sat ready for at least a
/// millisecond, the work after the get took at least one, and overlapping the two would save at least a quarter of
/// the get's wait plus that work.
bool wait_would_help(const GetAllTimes& times) noexcept;

/// Keeps, per thread, the latest get-all until the thread's next call of the runtime.
class GetAllThenProcess {
 public:
  /// `runtime`: a number unique to the runtime.
  explicit GetAllThenProcess(std::uint64_t runtime) noexcept : runtime_(runtime) {}

  /// A get of `refs` refs returned now, having waited `waited`, its first result ready `first_to_last` before the
  /// last.
  void returned(std::chrono::nanoseconds waited, std::chrono::nanoseconds first_to_last, std::size_t refs) noexcept;
  /// This thread calls the runtime (or destroys it): the times of the get-all before, if one is pending.
  std::optional<GetAllTimes> next_call() noexcept;

 private:
  std::uint64_t runtime_;
};

}  // namespace hetsched::detail
