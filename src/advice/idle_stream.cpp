#include "advice/idle_stream.hpp"

namespace hetsched::detail {

bool IdleStreams::sample() noexcept {
  const std::uint32_t body = bodies_.fetch_add(1, std::memory_order_relaxed);
  return body < always_checked || body % sample_every == 0;
}

bool IdleStreams::checked(const StreamFacts& facts) noexcept {
  if (!work_went_off_stream(facts)) return false;
  return off_stream_.fetch_add(1, std::memory_order_relaxed) + 1 == threshold;
}

}  // namespace hetsched::detail
