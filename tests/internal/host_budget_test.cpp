// HostBudget on its own, with fake values: the order of spilling, and the races between a spill in progress and the
// threads that pin or free the value being spilled.
#include "store/host_budget.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "hetsched/error.hpp"
#include "hetsched/store_stats.hpp"

namespace hetsched::detail {
namespace {

/// A value of `bytes` bytes, all equal to `fill`; can hold its spill until the test lets it go.
class FakeValue final : public SpillClient {
 public:
  FakeValue(std::size_t bytes, std::byte fill) : bytes_(bytes, fill), fill_(fill) {}

  std::size_t spilled_size() const override { return bytes_.size() + kept_size_; }
  void write_spilled(std::span<std::byte> out) const override {
    entered_.set_value();
    if (hold_) release_.get_future().wait();
    std::memcpy(out.data(), bytes_.data(), bytes_.size());
  }
  void drop_spilled() noexcept override {
    if (in_use.load()) dropped_while_in_use.store(true);
    kept_size_ = bytes_.size();
    bytes_.clear();
    bytes_.shrink_to_fit();
  }
  void restore_spilled(std::span<const std::byte> in) override {
    bytes_.assign(in.begin(), in.end());
    kept_size_ = 0;
    ++restores;
  }

  /// The next spill waits in write_spilled until let_go().
  void hold() { hold_ = true; }
  void wait_until_spilling() { entered_future_.wait(); }
  void let_go() { release_.set_value(); }
  bool intact() const {
    return !bytes_.empty() && std::all_of(bytes_.begin(), bytes_.end(), [&](std::byte b) { return b == fill_; });
  }

  std::atomic<bool> in_use{false};                 ///< Set by a test thread while it holds a pin.
  std::atomic<bool> dropped_while_in_use{false};   ///< What a broken pin would let happen.
  int restores = 0;

 private:
  std::vector<std::byte> bytes_;
  std::byte fill_;
  std::size_t kept_size_ = 0;
  bool hold_ = false;
  mutable std::promise<void> entered_;
  std::shared_future<void> entered_future_ = entered_.get_future().share();
  mutable std::promise<void> release_;
};

class HostBudgetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> next{0};
    dir_ = "/tmp/hetsched-budget-test-" + std::to_string(::getpid()) + "-" + std::to_string(next++);
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string dir_;
};

TEST_F(HostBudgetTest, SpillsTheLeastRecentlyUsedUnpinnedValueFirst) {
  HostBudget budget(2500, dir_, 1);
  FakeValue a(1000, std::byte{1}), b(1000, std::byte{2}), c(1000, std::byte{3});
  SpillSlot* slot_a = budget.admit(a, 1000, 1);
  SpillSlot* slot_b = budget.admit(b, 1000, 2);
  budget.pin(*slot_a, 1);  // a is now the most recently used, and pinned
  budget.unpin(*slot_a);
  SpillSlot* slot_c = budget.admit(c, 1000, 3);  // over: b goes, not a
  EXPECT_TRUE(a.intact());
  EXPECT_FALSE(b.intact());
  budget.pin(*slot_b, 2);
  EXPECT_TRUE(b.intact());
  EXPECT_EQ(b.restores, 1);
  budget.unpin(*slot_b);
  for (SpillSlot* slot : {slot_a, slot_b, slot_c}) budget.leave(slot);
  StoreStats stats;
  budget.fill_stats(stats);
  EXPECT_EQ(stats.host_bytes, 0u);
  EXPECT_EQ(stats.spilled_bytes, 0u);
}

TEST_F(HostBudgetTest, APinDuringASpillWaitsForItThenRestores) {
  HostBudget budget(1500, dir_, 1);
  FakeValue a(1000, std::byte{1}), b(1000, std::byte{2});
  SpillSlot* slot_a = budget.admit(a, 1000, 1);
  a.hold();
  auto admitting = std::async(std::launch::async, [&] { return budget.admit(b, 1000, 2); });  // spills a
  a.wait_until_spilling();
  auto reader = std::async(std::launch::async, [&] {
    budget.pin(*slot_a, 1);  // must not return while a is being spilled
    a.in_use.store(true);
    bool intact = a.intact();
    a.in_use.store(false);
    budget.unpin(*slot_a);
    return intact;
  });
  a.let_go();
  SpillSlot* slot_b = admitting.get();
  EXPECT_TRUE(reader.get());
  EXPECT_FALSE(a.dropped_while_in_use.load());
  EXPECT_EQ(a.restores, 1);
  budget.leave(slot_a);
  budget.leave(slot_b);
}

TEST_F(HostBudgetTest, FreeingAValueDuringItsSpillWaitsForTheSpill) {
  HostBudget budget(1500, dir_, 1);
  auto a = std::make_unique<FakeValue>(1000, std::byte{1});
  FakeValue b(1000, std::byte{2});
  SpillSlot* slot_a = budget.admit(*a, 1000, 1);
  a->hold();
  auto admitting = std::async(std::launch::async, [&] { return budget.admit(b, 1000, 2); });
  a->wait_until_spilling();
  std::atomic<bool> left{false};
  auto freeing = std::async(std::launch::async, [&] {
    budget.leave(slot_a);  // the value's destructor: only once the spill is done with it
    left.store(true);
  });
  EXPECT_FALSE(left.load());
  a->let_go();
  freeing.get();
  a.reset();  // a use after free here would be caught by ASan had leave returned early
  budget.leave(admitting.get());
}

TEST_F(HostBudgetTest, NothingToSpillIsAFullStoreErrorAndCountsNothing) {
  HostBudget budget(1500, dir_, 1);
  FakeValue a(1000, std::byte{1});
  SpillSlot* slot_a = budget.admit(a, 1000, 1);
  budget.keep_resident(*slot_a, 1);
  EXPECT_THROW(budget.admit_unspillable(1000, 2), ObjectStoreFullError);
  StoreStats stats;
  budget.fill_stats(stats);
  EXPECT_EQ(stats.host_bytes, 1000u);
  budget.leave(slot_a);
}

/// Flips one byte of every file in `dir` (each spilled value there fails its checksum when read back).
void alter_every_file(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    char byte = 0;
    file.seekg(10);
    file.get(byte);
    file.seekp(10);
    file.put(static_cast<char>(byte ^ 0x5a));
  }
}

TEST_F(HostBudgetTest, AValueAdmittedPinnedIsNotSpilledBeforeItsUnpin) {
  HostBudget budget(1500, dir_, 1);
  FakeValue a(1000, std::byte{1}), b(1000, std::byte{2}), c(1000, std::byte{3});
  SpillSlot* slot_a = budget.admit_pinned(a, 1000, 1);  // being filled by its caller
  SpillSlot* slot_b = budget.admit(b, 1000, 2);         // over the budget: b goes to disk, not a
  EXPECT_TRUE(a.intact());
  EXPECT_TRUE(budget.spilled(*slot_b));
  budget.unpin(*slot_a);
  SpillSlot* slot_c = budget.admit(c, 1000, 3);  // now a may go
  EXPECT_TRUE(budget.spilled(*slot_a));
  EXPECT_FALSE(budget.spilled(*slot_c));
  for (SpillSlot* slot : {slot_a, slot_b, slot_c}) budget.leave(slot);
}

TEST_F(HostBudgetTest, AdmitOverBudgetCountsWhatCannotBeRefusedAndAdmitPinnedRefuses) {
  HostBudget budget(1000, dir_, 1);
  FakeValue a(1000, std::byte{1}), b(1000, std::byte{2}), c(1000, std::byte{3});
  SpillSlot* slot_a = budget.admit_pinned(a, 1000, 1);
  SpillSlot* slot_b = budget.admit_over_budget(b, 1000);  // a GPU write-back: counted, nothing could be spilled
  StoreStats stats;
  budget.fill_stats(stats);
  EXPECT_EQ(stats.host_bytes, 2000u);
  EXPECT_THROW(budget.admit_pinned(c, 1000, 3), ObjectStoreFullError);
  budget.fill_stats(stats);
  EXPECT_EQ(stats.host_bytes, 2000u);  // the refused one counts nothing
  budget.unpin(*slot_a);  // both may go now
  budget.unpin(*slot_b);
  SpillSlot* slot_c = budget.admit_pinned(c, 1000, 3);
  EXPECT_TRUE(budget.spilled(*slot_a));
  EXPECT_TRUE(budget.spilled(*slot_b));
  EXPECT_TRUE(c.intact());
  budget.unpin(*slot_c);
  for (SpillSlot* slot : {slot_a, slot_b, slot_c}) budget.leave(slot);
}

TEST_F(HostBudgetTest, PinToOverwriteForgetsASpilledOrLostValueWithoutReadingIt) {
  HostBudget budget(1500, dir_, 1);
  FakeValue a(1000, std::byte{1}), b(1000, std::byte{2}), c(1000, std::byte{3});
  SpillSlot* slot_a = budget.admit(a, 1000, 1);
  SpillSlot* slot_b = budget.admit(b, 1000, 2);  // spills a
  ASSERT_TRUE(budget.spilled(*slot_a));
  alter_every_file(dir_);  // reading a back would now fail
  budget.pin_to_overwrite(*slot_a);  // not read: no error, no restore
  EXPECT_EQ(a.restores, 0);
  EXPECT_FALSE(budget.spilled(*slot_a));
  StoreStats stats;
  budget.fill_stats(stats);
  EXPECT_EQ(stats.lost_objects, 0u);
  budget.unpin(*slot_a);
  budget.leave(slot_a);  // (a fake value spills once only)
  SpillSlot* slot_c = budget.admit(c, 1000, 3);  // spills b
  ASSERT_TRUE(budget.spilled(*slot_b));
  alter_every_file(dir_);
  EXPECT_THROW(budget.pin(*slot_b, 2), ObjectLostError);
  EXPECT_THROW(budget.pin(*slot_b, 2), ObjectLostError);  // lost for every reader
  budget.pin_to_overwrite(*slot_b);                        // but whoever overwrites it whole may use it again
  budget.unpin(*slot_b);
  budget.pin(*slot_b, 2);  // resident now: no read, no error
  budget.unpin(*slot_b);
  for (SpillSlot* slot : {slot_b, slot_c}) budget.leave(slot);
}

}  // namespace
}  // namespace hetsched::detail
