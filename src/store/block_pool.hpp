// Blocks from a slow allocator, kept when given back and handed out again. Pinned host memory is one use:
// cudaMallocHost and cudaFreeHost are driver calls of tens of microseconds to milliseconds, and cudaFreeHost waits
// for the whole device, so a buffer dying while kernels run would stall every stream of every task. Logical GPUs'
// replicas are the other: a fresh block of host memory faults in each page on its first copy, at a fifth of the
// speed of a copy into memory in use. A kept block is
// reused for a request it fits with at most a quarter to spare; past `keep_limit` bytes kept, the largest kept blocks
// go back to the allocator. With keep_up_to_peak as the limit, the pool keeps no more than the most bytes it ever had
// taken at once: taken and kept blocks together never exceed twice that peak.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>

namespace hetsched::detail {

class BlockPool {
 public:
  /// Makes a block of at least the given bytes; throws std::bad_alloc when there is no memory.
  using Allocate = std::function<std::byte*(std::size_t)>;
  /// Returns a block made by Allocate; must not throw.
  using Release = std::function<void(std::byte*)>;

  /// What the pool did so far, for tests and statistics.
  struct Counts {
    std::size_t allocations = 0;  ///< Blocks made by the allocator.
    std::size_t reuses = 0;       ///< Requests served with a kept block.
    std::size_t releases = 0;     ///< Blocks given back to the allocator.
    std::size_t kept_bytes = 0;   ///< Bytes of blocks kept now.
    std::size_t taken_bytes = 0;  ///< Bytes of blocks taken and not given back now.
  };

  /// The keep_limit that bounds the blocks kept by the peak of the bytes taken at once (see above).
  static constexpr std::size_t keep_up_to_peak = static_cast<std::size_t>(-1);

  /// Blocks are made in multiples of `granule` bytes (a page: the allocator rounds up to that anyway).
  BlockPool(Allocate allocate, Release release, std::size_t keep_limit, std::size_t granule = 4096);
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;
  /// Releases every kept block. Blocks still taken are the owner's to give back first.
  ~BlockPool();

  /// A block of at least `bytes`: a kept one when one fits, else a new one. When the allocator fails, the kept
  /// blocks are released and it is tried once more; std::bad_alloc after that.
  std::byte* take(std::size_t bytes);
  /// Keeps a block from take() for reuse (releasing the largest kept blocks past the limit).
  void give_back(std::byte* block) noexcept;
  /// Releases every kept block.
  void trim() noexcept { trim_to(0); }
  /// Releases the largest kept blocks until at most `keep` bytes are kept.
  void trim_to(std::size_t keep) noexcept;
  /// What the pool did so far.
  Counts counts() const;

 private:
  std::byte* allocate_retrying(std::size_t bytes);
  /// Releases the largest kept block while `condition()` holds (checked under the lock, released without it).
  template <class Condition>
  void release_largest_while(std::unique_lock<std::mutex>& lock, Condition condition) noexcept;

  Allocate allocate_;
  Release release_;
  const std::size_t keep_limit_;
  const std::size_t granule_;
  mutable std::mutex mutex_;
  std::unordered_map<std::byte*, std::size_t> sizes_;  // every block made and not released: its size
  std::multimap<std::size_t, std::byte*> kept_;         // given back, by size
  /// Bytes the pool may keep now.
  std::size_t keep_now() const noexcept;

  Counts counts_;
  std::size_t peak_taken_ = 0;
};

}  // namespace hetsched::detail
