#include "advice/repeated_values.hpp"

#define XXH_INLINE_ALL  // header only, as in store/spill_files.cpp: no library to link
#include <xxhash.h>

#include <algorithm>

namespace hetsched::detail {

std::uint64_t RepeatedValues::fingerprint(std::span<const std::byte> bytes) noexcept {
  constexpr std::size_t sample = 4096;
  const std::size_t size = bytes.size();
  const std::size_t length = std::min(sample, size);
  const std::size_t starts[] = {0, (size - length) / 2, size - length};
  std::uint64_t hash = XXH3_64bits(&size, sizeof size);
  for (std::size_t start : starts) hash = XXH3_64bits_withSeed(bytes.data() + start, length, hash);
  return hash;
}

bool RepeatedValues::passed(std::span<const std::byte> bytes) noexcept {
  const std::uint64_t print = fingerprint(bytes);
  std::lock_guard lock(mutex_);
  ++tick_;
  Slot* slot = std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.times && s.fingerprint == print; });
  if (slot == slots_.end()) {
    slot = std::min_element(slots_.begin(), slots_.end(),
                            [](const Slot& a, const Slot& b) { return a.last_seen < b.last_seen; });
    *slot = Slot{print, 0, 0};
  }
  slot->last_seen = tick_;
  return ++slot->times == threshold;
}

}  // namespace hetsched::detail
