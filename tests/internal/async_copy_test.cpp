// The store's copies on a task's stream (the path real GPUs take), on simulated streams: a copy is only queued when
// acquire returns, every later user waits for it (on its stream or on the host), and the replica it reads stays
// pinned, and so is neither evicted nor freed, until the copy is complete.
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <vector>

#include "simulated_gpu.hpp"
#include "store/buffer_data.hpp"
#include "store/buffer_store.hpp"

namespace hetsched::test {
namespace {

using hetsched::Access;
using detail::BufferData;
using detail::host_node;

constexpr std::size_t elements = 256;
constexpr std::size_t bytes = elements * sizeof(int);

class AsyncCopy : public ::testing::Test {
 protected:
  AsyncCopy() {
    auto memory = std::make_unique<SimulatedGpuMemory>(device, violations, std::chrono::microseconds(0));
    simulated = memory.get();
    store = detail::BufferStorePtr(new detail::BufferStore(std::move(memory), {1 << 20, 1 << 20}));
  }

  ~AsyncCopy() override {
    store->shutdown();
    for (const std::string& line : violations.lines()) ADD_FAILURE() << line;
  }

  /// A buffer of 0, 1, 2, ... whose only replica is on `node`.
  detail::BufferHandle filled_buffer(detail::MemoryNode node) {
    detail::BufferAllocation made = store->create(node, elements, sizeof(int), 0, detail::BufferStore::Pin::no, "test");
    std::vector<int> values(elements);
    std::iota(values.begin(), values.end(), 0);
    std::memcpy(made.memory, values.data(), bytes);
    return std::move(made.handle);
  }

  static bool holds_sequence(const std::byte* memory) {
    std::vector<int> values(elements);
    std::memcpy(values.data(), memory, bytes);
    for (std::size_t i = 0; i < elements; ++i) {
      if (values[i] != static_cast<int>(i)) return false;
    }
    return true;
  }

  std::size_t host_to_device() const { return store->counters().host_to_device.load(); }

  SimulatedDevice device{SimulatedDevice::HandDriven{}};  // runs nothing until a test drains a stream
  Violations violations;
  SimulatedGpuMemory* simulated = nullptr;
  detail::BufferStorePtr store;
};

TEST_F(AsyncCopy, CopyIsQueuedOnTheTaskStreamNotRunBeforeAcquireReturns) {
  detail::BufferHandle buffer = filled_buffer(host_node);
  CUstream_st* stream = device.new_stream();
  BufferData::Acquired got = buffer.get()->acquire(0, Access::read, 0, stream);
  ASSERT_NE(got.memory, nullptr);
  EXPECT_EQ(got.pinned_source, -1) << "the host replica is never evicted: nothing to pin";
  EXPECT_EQ(simulated->synchronous_copies.load(), 0);
  EXPECT_TRUE(device.has_work(stream));
  EXPECT_EQ(host_to_device(), bytes);
  ASSERT_TRUE(device.drain(stream));
  EXPECT_TRUE(holds_sequence(got.memory));
  buffer.get()->unpin(0);
}

TEST_F(AsyncCopy, SecondReaderOnTheGpuWaitsForTheFirstReadersCopy) {
  detail::BufferHandle buffer = filled_buffer(host_node);
  CUstream_st* first = device.new_stream();
  CUstream_st* second = device.new_stream();
  BufferData* data = buffer.get();
  std::byte* memory = data->acquire(0, Access::read, 0, first).memory;
  EXPECT_EQ(data->acquire(0, Access::read, 0, second).memory, memory);
  EXPECT_EQ(host_to_device(), bytes) << "one copy for both readers";
  EXPECT_EQ(simulated->stream_waits.load(), 1);
  EXPECT_FALSE(device.drain(second)) << "the second stream must not pass the first one's copy";
  ASSERT_TRUE(device.drain(first));
  ASSERT_TRUE(device.drain(second));
  EXPECT_TRUE(holds_sequence(memory));
  data->unpin(0);
  data->unpin(0);
}

TEST_F(AsyncCopy, GpuToGpuCopyWaitsForItsSourceAndPinsIt) {
  detail::BufferHandle buffer = filled_buffer(host_node);
  BufferData* data = buffer.get();
  CUstream_st* on_gpu1 = device.new_stream();
  CUstream_st* on_gpu0 = device.new_stream();
  // A writer on GPU 1 makes it the only valid copy; its copy in is still queued.
  data->acquire(1, Access::read_write, 0, on_gpu1);
  data->unpin(1);  // as if its task had finished: the stream still holds the copy (a real GPU would have run it)
  BufferData::Acquired got = data->acquire(0, Access::read, 0, on_gpu0);
  EXPECT_EQ(got.pinned_source, 1);
  EXPECT_FALSE(data->evict(1)) << "the replica a queued copy reads must stay";
  EXPECT_FALSE(device.drain(on_gpu0)) << "the GPU 0 copy must wait for GPU 1's replica";
  ASSERT_TRUE(device.drain(on_gpu1));
  ASSERT_TRUE(device.drain(on_gpu0));
  EXPECT_TRUE(holds_sequence(got.memory));
  data->release_source(1, 0, false);
  EXPECT_TRUE(data->evict(1)) << "released: GPU 0 holds a valid copy, so GPU 1's can go";
  data->unpin(0);
}

TEST_F(AsyncCopy, HostViewWaitsForAGpuCopyStillQueued) {
  detail::BufferHandle buffer = filled_buffer(1);  // born on GPU 1: the host replica is invalid
  BufferData* data = buffer.get();
  CUstream_st* stream = device.new_stream();
  data->acquire(0, Access::read, 0, stream);
  // GPU 0 (queued) and GPU 1 are both valid; the host copy is made from the first valid one, GPU 0.
  std::byte* host = data->acquire(host_node, Access::read, 0).memory;
  EXPECT_EQ(simulated->host_waits.load(), 1);
  EXPECT_TRUE(holds_sequence(host));
  data->release_source(1, 0, true);
  data->unpin(0);
}

TEST_F(AsyncCopy, ReleasingTheSourceEarlyWaitsForTheCopy) {
  detail::BufferHandle buffer = filled_buffer(1);
  BufferData* data = buffer.get();
  CUstream_st* stream = device.new_stream();
  BufferData::Acquired got = data->acquire(0, Access::read, 0, stream);
  ASSERT_EQ(got.pinned_source, 1);
  // A task that gives its pins back before its stream ran (to wait for memory) must not leave the source evictable
  // with the copy still reading it.
  data->release_source(1, 0, true);
  EXPECT_EQ(simulated->host_waits.load(), 1);
  EXPECT_FALSE(device.has_work(stream));
  data->unpin(0);
  EXPECT_TRUE(data->evict(1));
  EXPECT_TRUE(holds_sequence(got.memory));
}

TEST_F(AsyncCopy, EvictingAReplicaWaitsForTheCopyIntoIt) {
  detail::BufferHandle buffer = filled_buffer(host_node);
  BufferData* data = buffer.get();
  CUstream_st* stream = device.new_stream();
  data->acquire(0, Access::read, 0, stream);
  data->unpin(0);
  ASSERT_TRUE(data->evict(0));  // the simulated memory records a violation if the queued copy still targets it
  EXPECT_EQ(simulated->host_waits.load(), 1);
  EXPECT_EQ(simulated->released_events.load(), 1);
}

TEST_F(AsyncCopy, WriteOnlyCopiesNothingAndTheDeviceBecomesTheOwner) {
  detail::BufferHandle buffer = filled_buffer(host_node);
  BufferData* data = buffer.get();
  CUstream_st* stream = device.new_stream();
  data->acquire(0, Access::write, 0, stream);
  EXPECT_EQ(host_to_device(), 0u);
  EXPECT_FALSE(device.has_work(stream));
  data->unpin(0);
  ASSERT_TRUE(data->evict(0));
  EXPECT_EQ(store->counters().write_backs.load(), 1u) << "the GPU held the only valid copy";
}

}  // namespace
}  // namespace hetsched::test
