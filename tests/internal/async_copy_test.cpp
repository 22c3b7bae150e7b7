// The store's copies on a task's stream (the path real GPUs take), through the real CUDA memory system
// (cuda/cuda_memory_system.cpp) on the simulated CUDA runtime, hand-driven: a copy is only queued when acquire
// returns, every later user waits for it (on its stream or on the host), and the replica it reads stays pinned, and so
// is neither evicted nor freed, until the copy is complete. Freeing memory that queued work uses is a violation.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include <sim_cuda/control.hpp>

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
    sim::reset(2, /*hand_driven=*/true);  // runs nothing until a test drains a stream (or a host call waits)
    auto memory = detail::make_memory_system(2, 2);
    // The pinned pool holds a block already, as in steady state: a cudaMallocHost would synchronise the device.
    for (int block = 0; block < 3; ++block) pinned.push_back(memory->allocate_host(bytes));
    for (std::byte* block : pinned) memory->free_host(block, bytes);
    store = detail::BufferStorePtr(new detail::BufferStore(std::move(memory), {1 << 20, 1 << 20}));
  }

  ~AsyncCopy() override {
    store->shutdown();
    store = {};
    for (cudaStream_t stream : streams) cudaStreamDestroy(stream);
    for (const std::string& line : sim::take_violations()) ADD_FAILURE() << line;
  }

  /// A new stream of GPU `device`.
  cudaStream_t stream_on(int device) {
    cudaSetDevice(device);
    cudaStream_t stream = nullptr;
    EXPECT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
    cudaSetDevice(0);
    streams.push_back(stream);
    return stream;
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

  std::vector<std::byte*> pinned;
  std::vector<cudaStream_t> streams;
  detail::BufferStorePtr store;
};

TEST_F(AsyncCopy, CopyIsQueuedOnTheTaskStreamNotRunBeforeAcquireReturns) {
  detail::BufferHandle buffer = filled_buffer(host_node);
  CUstream_st* stream = stream_on(0);
  BufferData::Acquired got = buffer.get()->acquire(0, Access::read, 0, stream);
  ASSERT_NE(got.memory, nullptr);
  EXPECT_EQ(got.pinned_source, -1) << "the host replica is never evicted: nothing to pin";
  EXPECT_EQ(sim::stats(0).copies, 1) << "one copy, on the task's stream";
  EXPECT_TRUE(sim::has_work(stream));
  EXPECT_EQ(host_to_device(), bytes);
  ASSERT_TRUE(sim::drain(stream));
  EXPECT_TRUE(holds_sequence(got.memory));
  buffer.get()->unpin(0);
}

TEST_F(AsyncCopy, SecondReaderOnTheGpuWaitsForTheFirstReadersCopy) {
  detail::BufferHandle buffer = filled_buffer(host_node);
  CUstream_st* first = stream_on(0);
  CUstream_st* second = stream_on(0);
  BufferData* data = buffer.get();
  std::byte* memory = data->acquire(0, Access::read, 0, first).memory;
  EXPECT_EQ(data->acquire(0, Access::read, 0, second).memory, memory);
  EXPECT_EQ(host_to_device(), bytes) << "one copy for both readers";
  EXPECT_EQ(sim::stats(0).stream_waits, 1);
  EXPECT_FALSE(sim::drain(second)) << "the second stream must not pass the first one's copy";
  ASSERT_TRUE(sim::drain(first));
  ASSERT_TRUE(sim::drain(second));
  EXPECT_TRUE(holds_sequence(memory));
  data->unpin(0);
  data->unpin(0);
}

TEST_F(AsyncCopy, GpuToGpuCopyWaitsForItsSourceAndPinsIt) {
  detail::BufferHandle buffer = filled_buffer(host_node);
  BufferData* data = buffer.get();
  CUstream_st* on_gpu1 = stream_on(1);
  CUstream_st* on_gpu0 = stream_on(0);
  // A writer on GPU 1 makes it the only valid copy; its copy in is still queued.
  data->acquire(1, Access::read_write, 0, on_gpu1);
  data->unpin(1);  // as if its task had finished: the stream still holds the copy (a real GPU would have run it)
  BufferData::Acquired got = data->acquire(0, Access::read, 0, on_gpu0);
  EXPECT_EQ(got.pinned_source, 1);
  EXPECT_FALSE(data->evict(1)) << "the replica a queued copy reads must stay";
  EXPECT_FALSE(sim::drain(on_gpu0)) << "the GPU 0 copy must wait for GPU 1's replica";
  ASSERT_TRUE(sim::drain(on_gpu1));
  ASSERT_TRUE(sim::drain(on_gpu0));
  EXPECT_TRUE(holds_sequence(got.memory));
  data->release_source(1, 0, false);
  EXPECT_TRUE(data->evict(1)) << "released: GPU 0 holds a valid copy, so GPU 1's can go";
  data->unpin(0);
}

TEST_F(AsyncCopy, HostViewWaitsForAGpuCopyStillQueued) {
  detail::BufferHandle buffer = filled_buffer(1);  // born on GPU 1: the host replica is invalid
  BufferData* data = buffer.get();
  CUstream_st* stream = stream_on(0);
  data->acquire(0, Access::read, 0, stream);
  // GPU 0 (queued) and GPU 1 are both valid; the host copy is made from the first valid one, GPU 0.
  std::byte* host = data->acquire(host_node, Access::read, 0).memory;
  EXPECT_EQ(sim::stats(0).event_waits, 1);
  EXPECT_TRUE(holds_sequence(host));
  data->release_source(1, 0, true);
  data->unpin(0);
}

TEST_F(AsyncCopy, ReleasingTheSourceEarlyWaitsForTheCopy) {
  detail::BufferHandle buffer = filled_buffer(1);
  BufferData* data = buffer.get();
  CUstream_st* stream = stream_on(0);
  BufferData::Acquired got = data->acquire(0, Access::read, 0, stream);
  ASSERT_EQ(got.pinned_source, 1);
  // A task that gives its pins back before its stream ran (to wait for memory) must not leave the source evictable
  // with the copy still reading it.
  data->release_source(1, 0, true);
  EXPECT_EQ(sim::stats(0).event_waits, 1);
  EXPECT_FALSE(sim::has_work(stream));
  data->unpin(0);
  EXPECT_TRUE(data->evict(1));
  EXPECT_TRUE(holds_sequence(got.memory));
}

TEST_F(AsyncCopy, EvictingAReplicaWaitsForTheCopyIntoIt) {
  detail::BufferHandle buffer = filled_buffer(host_node);
  BufferData* data = buffer.get();
  CUstream_st* stream = stream_on(0);
  data->acquire(0, Access::read, 0, stream);
  data->unpin(0);
  ASSERT_TRUE(data->evict(0));  // the simulation records a violation if the queued copy still targets it
  EXPECT_EQ(sim::stats(0).event_waits, 1);
}

TEST_F(AsyncCopy, WriteOnlyCopiesNothingAndTheDeviceBecomesTheOwner) {
  detail::BufferHandle buffer = filled_buffer(host_node);
  BufferData* data = buffer.get();
  CUstream_st* stream = stream_on(0);
  data->acquire(0, Access::write, 0, stream);
  EXPECT_EQ(host_to_device(), 0u);
  EXPECT_FALSE(sim::has_work(stream));
  data->unpin(0);
  ASSERT_TRUE(data->evict(0));
  EXPECT_EQ(store->counters().write_backs.load(), 1u) << "the GPU held the only valid copy";
}

}  // namespace
}  // namespace hetsched::test
