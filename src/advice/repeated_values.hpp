// The third seed mistake (seeds/000, tip 3): the same large value passed by value to task after task, each
// remote() copying it into its task, where one put() and a ref would share one stored copy. Only arguments of at
// least `large` bytes are looked at (the copy just made costs far more than the look): each gets a fingerprint, its
// size and a hash of three samples of its bytes, counted in a small table.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>

namespace hetsched::detail {

/// Counts the large value arguments seen, by fingerprint.
class RepeatedValues {
 public:
  /// Arguments smaller than this are not looked at.
  static constexpr std::size_t large = std::size_t{1} << 20;
  /// Times one value is passed that make the pattern.
  static constexpr std::uint32_t threshold = 3;

  /// The fingerprint of `bytes`: its size and a hash of its first, middle and last 4 KiB.
  static std::uint64_t fingerprint(std::span<const std::byte> bytes) noexcept;

  /// A task was submitted with the value argument `bytes` (at least `large`). True the time it completes the pattern.
  bool passed(std::span<const std::byte> bytes) noexcept;

 private:
  struct Slot {
    std::uint64_t fingerprint = 0;
    std::uint32_t times = 0;
    std::uint64_t last_seen = 0;  // tick of the latest use: the least recent slot is reused
  };

  std::mutex mutex_;
  std::array<Slot, 16> slots_{};
  std::uint64_t tick_ = 0;
};

}  // namespace hetsched::detail
