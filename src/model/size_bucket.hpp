// Input sizes grouped into buckets, so that runs of a task on similar inputs share one history. StarPU keys its
// history by a hash of the exact data footprint; a bucket also groups sizes that differ a little (a last partial
// tile, a header), and orders them, which the regression over buckets needs.
//
// Below 4 bytes every size is its own bucket; above, each power of two is split into 4 buckets of equal width (the
// two bits after the leading one, as a float's mantissa), so sizes within a bucket differ by at most 25%.
#pragma once

#include <bit>
#include <cstdint>

namespace hetsched::detail {

/// How many buckets size_bucket returns (0 .. size_bucket_count - 1).
inline constexpr std::uint32_t size_bucket_count = 252;

/// The bucket of an input of `input_bytes` bytes; larger sizes have larger buckets.
constexpr std::uint32_t size_bucket(std::uint64_t input_bytes) noexcept {
  if (input_bytes < 4) return static_cast<std::uint32_t>(input_bytes);
  auto exponent = static_cast<std::uint32_t>(std::bit_width(input_bytes)) - 1;  // >= 2
  auto quarter = static_cast<std::uint32_t>(input_bytes >> (exponent - 2)) & 3u;
  return 4 * (exponent - 1) + quarter;
}

}  // namespace hetsched::detail
