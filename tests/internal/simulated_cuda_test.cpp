// The simulated CUDA runtime itself (tests/sim_cuda) is as strict as real CUDA where hetsched's cuda/ code depends
// on it: events and streams belong to a device, device memory is finite and the default pool keeps what it frees up
// to its release threshold, a destroyed event used again is caught, the allocating and freeing calls synchronise the
// whole device, failed calls set the thread's last error (cudaGetLastError clears it, a sticky error never clears),
// host functions may not call CUDA, and memory freed while queued work uses it is caught.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <sim_cuda/control.hpp>

namespace hetsched::test {
namespace {

/// Whether a violation mentioning `text` was seen (the violations are taken).
bool saw_violation(const std::string& text) {
  for (const std::string& line : sim::take_violations()) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

class SimulatedCuda : public ::testing::Test {
 protected:
  SimulatedCuda() {
    sim::MachineSpec spec;
    spec.devices.assign(2, sim::DeviceSpec{});
    spec.devices[0].memory = 1 << 20;
    spec.hand_driven = true;
    sim::reset(spec);
  }
  ~SimulatedCuda() override {
    for (const std::string& line : sim::take_violations()) ADD_FAILURE() << line;
  }

  static cudaStream_t stream_on(int device) {
    cudaSetDevice(device);
    cudaStream_t stream = nullptr;
    EXPECT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
    return stream;
  }
  static cudaEvent_t event_on(int device) {
    cudaSetDevice(device);
    cudaEvent_t event = nullptr;
    EXPECT_EQ(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), cudaSuccess);
    return event;
  }
};

TEST_F(SimulatedCuda, AnEventRecordedOnAStreamOfAnotherDeviceFailsAndIsAViolation) {
  cudaEvent_t event = event_on(0);
  cudaStream_t stream = stream_on(1);
  EXPECT_EQ(cudaEventRecord(event, stream), cudaErrorInvalidResourceHandle);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidResourceHandle);
  EXPECT_TRUE(saw_violation("cudaEventRecord of an event of device 0 on a stream of device 1"));
}

TEST_F(SimulatedCuda, AKernelLaunchedOnAStreamOfAnotherDeviceThanTheCurrentOneFails) {
  cudaStream_t stream = stream_on(1);
  cudaSetDevice(0);
  EXPECT_EQ(sim::launch(stream, sim::Kernel{}), cudaErrorInvalidResourceHandle);
  EXPECT_TRUE(saw_violation("while device 0 is current"));
  cudaSetDevice(1);
  EXPECT_EQ(sim::launch(stream, sim::Kernel{}), cudaSuccess);
  EXPECT_TRUE(sim::drain(stream));
}

TEST_F(SimulatedCuda, ADestroyedEventUsedAgainIsAViolation) {
  cudaEvent_t event = event_on(0);
  ASSERT_EQ(cudaEventDestroy(event), cudaSuccess);
  EXPECT_EQ(cudaEventQuery(event), cudaErrorInvalidResourceHandle);
  EXPECT_TRUE(saw_violation("cudaEventQuery on an event already destroyed"));
}

TEST_F(SimulatedCuda, AReRecordedEventStandsForItsLatestRecord) {
  cudaStream_t stream = stream_on(0);
  cudaEvent_t event = event_on(0);
  ASSERT_EQ(cudaEventRecord(event, stream), cudaSuccess);
  ASSERT_TRUE(sim::drain(stream));
  EXPECT_EQ(cudaEventQuery(event), cudaSuccess);
  sim::Gate gate;
  sim::launch(stream, gate.kernel());
  ASSERT_EQ(cudaEventRecord(event, stream), cudaSuccess);
  EXPECT_EQ(cudaEventQuery(event), cudaErrorNotReady);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess) << "cudaErrorNotReady is no error";
  gate.open();
  ASSERT_TRUE(sim::drain(stream));
  EXPECT_EQ(cudaEventQuery(event), cudaSuccess);
}

TEST_F(SimulatedCuda, DeviceMemoryIsFiniteAndThePoolKeepsFreedMemoryUpToItsThresholdUntilTrimmed) {
  cudaSetDevice(0);
  cudaStream_t stream = stream_on(0);
  cudaMemPool_t pool = nullptr;
  ASSERT_EQ(cudaDeviceGetDefaultMemPool(&pool, 0), cudaSuccess);
  std::uint64_t keep_everything = UINT64_MAX;
  ASSERT_EQ(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep_everything), cudaSuccess);
  void* block = nullptr;
  ASSERT_EQ(cudaMallocFromPoolAsync(&block, 768 << 10, pool, stream), cudaSuccess);
  ASSERT_EQ(cudaFreeAsync(block, stream), cudaSuccess);
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  EXPECT_EQ(sim::stats(0).pool_reserved, std::size_t{768} << 10) << "the pool keeps what it freed";
  void* plain = nullptr;
  EXPECT_EQ(cudaMalloc(&plain, 512 << 10), cudaErrorMemoryAllocation) << "the pool's reserve is not the device's";
  EXPECT_EQ(cudaGetLastError(), cudaErrorMemoryAllocation);
  std::size_t free = 0;
  std::size_t total = 0;
  ASSERT_EQ(cudaMemGetInfo(&free, &total), cudaSuccess);
  EXPECT_EQ(free, std::size_t{256} << 10);
  ASSERT_EQ(cudaMemPoolTrimTo(pool, 0), cudaSuccess);
  EXPECT_EQ(sim::stats(0).pool_reserved, 0u);
  ASSERT_EQ(cudaMalloc(&plain, 512 << 10), cudaSuccess);
  EXPECT_EQ(cudaFree(plain), cudaSuccess);
}

TEST_F(SimulatedCuda, WithTheDefaultThresholdAHostSynchronisationGivesFreedPoolMemoryBack) {
  cudaStream_t stream = stream_on(0);
  void* block = nullptr;
  ASSERT_EQ(cudaMallocAsync(&block, 4096, stream), cudaSuccess);
  ASSERT_EQ(cudaFreeAsync(block, stream), cudaSuccess);
  EXPECT_EQ(sim::stats(0).pool_reserved, 4096u);
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  EXPECT_EQ(sim::stats(0).pool_reserved, 0u);
}

TEST_F(SimulatedCuda, FreeAndFreeHostWaitForTheWholeDeviceAndAreRecordedAsImplicitSynchronisations) {
  cudaStream_t stream = stream_on(0);
  void* pinned = nullptr;
  ASSERT_EQ(cudaMallocHost(&pinned, 64), cudaSuccess);
  sim::launch(stream, sim::Kernel{});
  ASSERT_TRUE(sim::has_work(stream));
  ASSERT_EQ(cudaFreeHost(pinned), cudaSuccess);
  EXPECT_FALSE(sim::has_work(stream)) << "cudaFreeHost waits for every stream of the device";
  const std::vector<sim::ImplicitSync> syncs = sim::implicit_syncs();
  ASSERT_EQ(syncs.size(), 2u);
  EXPECT_EQ(syncs[0].call, "cudaMallocHost");
  EXPECT_EQ(syncs[1].call, "cudaFreeHost");
  EXPECT_EQ(syncs[1].thread, std::this_thread::get_id());
}

TEST_F(SimulatedCuda, FreeingMemoryThatQueuedWorkUsesIsAViolation) {
  cudaStream_t stream = stream_on(0);
  cudaStream_t other = stream_on(0);
  void* block = nullptr;
  ASSERT_EQ(cudaMallocAsync(&block, 256, stream), cudaSuccess);
  sim::Gate gate;
  sim::Kernel kernel = gate.kernel();
  kernel.touches.emplace_back(block, 256);
  sim::launch(other, kernel);
  ASSERT_EQ(cudaFreeAsync(block, stream), cudaSuccess);
  EXPECT_TRUE(saw_violation("cudaFreeAsync freed memory that queued device work still uses"));
  gate.open();
  sim::drain(other);
  sim::drain(stream);
  sim::take_violations();
}

TEST_F(SimulatedCuda, FailedCallsSetTheLastErrorWhichGetLastErrorClearsButAStickyErrorStays) {
  EXPECT_EQ(cudaSetDevice(7), cudaErrorInvalidDevice);
  EXPECT_EQ(cudaPeekAtLastError(), cudaErrorInvalidDevice);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidDevice);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  sim::fail_next_call("cudaStreamCreateWithFlags", cudaErrorMemoryAllocation);
  cudaStream_t stream = nullptr;
  EXPECT_EQ(cudaStreamCreateWithFlags(&stream, 0), cudaErrorMemoryAllocation);
  EXPECT_EQ(cudaGetLastError(), cudaErrorMemoryAllocation);
  cudaSetDevice(1);
  sim::break_device(1, cudaErrorIllegalAddress);
  EXPECT_EQ(cudaGetLastError(), cudaErrorIllegalAddress);
  EXPECT_EQ(cudaGetLastError(), cudaErrorIllegalAddress) << "a sticky error never clears";
  EXPECT_EQ(cudaStreamCreateWithFlags(&stream, 0), cudaErrorIllegalAddress);
  cudaSetDevice(0);
}

TEST_F(SimulatedCuda, AHostFunctionThatCallsCudaIsAViolation) {
  cudaStream_t stream = stream_on(0);
  ASSERT_EQ(cudaLaunchHostFunc(
                stream,
                [](void*) {
                  int device = 0;
                  cudaGetDevice(&device);
                },
                nullptr),
            cudaSuccess);
  ASSERT_TRUE(sim::drain(stream));
  EXPECT_TRUE(saw_violation("cudaGetDevice called from a host function"));
}

TEST_F(SimulatedCuda, AKernelImageExistsOnlyForTheArchitecturesTheBuildCarries) {
  sim::MachineSpec spec;
  spec.devices.assign(2, sim::DeviceSpec{});
  spec.devices[1].major = 8;
  spec.devices[1].minor = 6;
  spec.kernel_images = {900};
  sim::reset(spec);
  cudaFuncAttributes attributes{};
  cudaSetDevice(0);
  EXPECT_EQ(cudaFuncGetAttributes(&attributes, nullptr), cudaSuccess);
  cudaSetDevice(1);
  EXPECT_EQ(cudaFuncGetAttributes(&attributes, nullptr), cudaErrorNoKernelImageForDevice);
  cudaGetLastError();
  cudaSetDevice(0);
}

}  // namespace
}  // namespace hetsched::test
