// ReleaseThread: blocks handed over are released on its own thread, wait_until_idle returns once every one handed
// over so far is released, and its destruction releases whatever is still queued.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "store/release_thread.hpp"

namespace hetsched::test {
namespace {

using detail::ReleaseThread;

/// What the release function saw: the blocks and the threads it ran on.
struct Released {
  std::mutex mutex;
  std::vector<std::byte*> blocks;
  std::vector<std::thread::id> threads;

  ReleaseThread::Release recorder() {
    return [this](std::byte* block) {
      std::lock_guard lock(mutex);
      blocks.push_back(block);
      threads.push_back(std::this_thread::get_id());
    };
  }
};

TEST(ReleaseThread, ReleasesEveryBlockOnAThreadOtherThanTheOneHandingItOver) {
  Released released;
  std::array<std::byte, 3> blocks{};
  ReleaseThread releaser(released.recorder());
  for (std::byte& block : blocks) releaser.hand_over(&block);
  releaser.wait_until_idle();
  std::lock_guard lock(released.mutex);
  ASSERT_EQ(released.blocks.size(), blocks.size()) << "wait_until_idle returned before every block was released";
  for (std::size_t index = 0; index < blocks.size(); ++index) {
    EXPECT_EQ(released.blocks[index], &blocks[index]) << "released in the order handed over";
    EXPECT_NE(released.threads[index], std::this_thread::get_id());
  }
}

TEST(ReleaseThread, DestructionReleasesWhatIsStillQueued) {
  Released released;
  std::array<std::byte, 64> blocks{};
  {
    ReleaseThread releaser(released.recorder());
    for (std::byte& block : blocks) releaser.hand_over(&block);
  }
  EXPECT_EQ(released.blocks.size(), blocks.size());
}

}  // namespace
}  // namespace hetsched::test
