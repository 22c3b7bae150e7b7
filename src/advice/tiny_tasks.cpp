#include "advice/tiny_tasks.hpp"

namespace hetsched::detail {
namespace {

thread_local std::uint32_t bodies_run = 0;

}  // namespace

bool TinyTasks::sample() noexcept { return ++bodies_run % sample_every == 0; }

bool TinyTasks::timed(std::chrono::nanoseconds took, std::chrono::nanoseconds& mean) noexcept {
  if (took >= tiny) {
    // A longer body breaks the run: the program's tasks are not all tiny. Racing samples make this approximate,
    // which only delays a report.
    if (in_a_row_.load(std::memory_order_relaxed) != 0) {
      in_a_row_.store(0, std::memory_order_relaxed);
      total_ns_.store(0, std::memory_order_relaxed);
    }
    return false;
  }
  const std::uint64_t total = total_ns_.fetch_add(static_cast<std::uint64_t>(took.count()), std::memory_order_relaxed) +
                              static_cast<std::uint64_t>(took.count());
  const std::uint32_t count = in_a_row_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (count != threshold) return false;
  mean = std::chrono::nanoseconds(static_cast<std::int64_t>(total / count));
  return true;
}

}  // namespace hetsched::detail
