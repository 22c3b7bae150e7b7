// Bandwidths: what a copy between memory nodes costs, and measuring it through a memory system.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "model/measure_bandwidths.hpp"
#include "store/memory_system.hpp"

namespace hetsched::detail {
namespace {

TEST(Bandwidths, TransferSecondsUseTheLinkOfEachDirection) {
  Bandwidths links{1e9, 2e9, 4e9, 1e-5, true};
  EXPECT_EQ(links.transfer_seconds(host_node, host_node, 1 << 30), 0);
  EXPECT_EQ(links.transfer_seconds(1, 1, 1 << 30), 0);
  EXPECT_DOUBLE_EQ(links.transfer_seconds(host_node, 0, 1'000'000'000), 1 + 1e-5);
  EXPECT_DOUBLE_EQ(links.transfer_seconds(0, host_node, 1'000'000'000), 0.5 + 1e-5);
  EXPECT_DOUBLE_EQ(links.transfer_seconds(0, 1, 1'000'000'000), 0.25 + 1e-5);
  Bandwidths unknown;
  EXPECT_EQ(unknown.transfer_seconds(host_node, 0, 1 << 30), 0) << "an unmeasured link counts as free";
}

TEST(Bandwidths, CoversSaysWhetherEveryLinkOfAMachineIsMeasured) {
  EXPECT_TRUE(Bandwidths{}.covers(0));
  EXPECT_FALSE(Bandwidths{}.covers(1));
  Bandwidths one_gpu{1e9, 1e9, 0, 1e-5, true};
  EXPECT_TRUE(one_gpu.covers(1));
  EXPECT_FALSE(one_gpu.covers(2)) << "a file from a one-GPU run has no device-to-device figure";
  Bandwidths two_gpus{1e9, 1e9, 1e9, 1e-5, true};
  EXPECT_TRUE(two_gpus.covers(8));
}

TEST(MeasureBandwidths, MeasuresEveryLinkOfLogicalGpus) {
  auto memory = make_host_memory_system(true);
  auto start = std::chrono::steady_clock::now();
  Bandwidths links = measure_bandwidths(*memory, 2);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "memcpy links: host->gpu %.2f GB/s, gpu->host %.2f GB/s, gpu->gpu %.2f GB/s, latency %.2f us, in %.0f ms\n",
      links.host_to_device / 1e9, links.device_to_host / 1e9, links.device_to_device / 1e9, links.latency_s * 1e6,
      seconds * 1e3);
  EXPECT_TRUE(links.measured);
  EXPECT_GT(links.host_to_device, 0);
  EXPECT_GT(links.device_to_host, 0);
  EXPECT_GT(links.device_to_device, 0);
  EXPECT_GE(links.latency_s, 0);
  EXPECT_TRUE(links.covers(2));
  EXPECT_GT(links.transfer_seconds(host_node, 0, bandwidth_probe_bytes), links.latency_s);
}

TEST(MeasureBandwidths, OneGpuHasNoDeviceToDeviceLinkAndNoGpuHasNothingToMeasure) {
  auto memory = make_host_memory_system(true);
  Bandwidths one = measure_bandwidths(*memory, 1);
  EXPECT_TRUE(one.measured);
  EXPECT_GT(one.host_to_device, 0);
  EXPECT_EQ(one.device_to_device, 0);
  Bandwidths none = measure_bandwidths(*memory, 0);
  EXPECT_FALSE(none.measured);
  EXPECT_EQ(none.host_to_device, 0);
  EXPECT_TRUE(none.covers(0));
}

/// Host memory whose GPU 1 has no memory left.
class FullSecondGpu final : public MemorySystem {
 public:
  std::byte* allocate_host(std::size_t bytes) override { return host_->allocate_host(bytes); }
  void free_host(std::byte* memory, std::size_t bytes) noexcept override { host_->free_host(memory, bytes); }
  std::byte* allocate_device(int device, std::size_t bytes) override {
    return device == 1 ? nullptr : host_->allocate_device(device, bytes);
  }
  void free_device(int device, std::byte* memory, std::size_t bytes) noexcept override {
    host_->free_device(device, memory, bytes);
  }
  void trim(int, std::size_t) noexcept override {}
  void copy(MemoryNode to, std::byte* target, MemoryNode from, const std::byte* source, std::size_t bytes) override {
    host_->copy(to, target, from, source, bytes);
  }
  void copy_on_stream(int to, std::byte* target, MemoryNode from, const std::byte* source, std::size_t bytes,
                      CUstream_st* stream, CUevent_st* source_ready, CUevent_st*& target_ready) override {
    host_->copy_on_stream(to, target, from, source, bytes, stream, source_ready, target_ready);
  }
  void stream_wait(CUstream_st*, CUevent_st*) override {}
  void host_wait(CUevent_st*) override {}
  void release_event(int, CUevent_st*) noexcept override {}

 private:
  std::unique_ptr<MemorySystem> host_ = make_host_memory_system(true);
};

TEST(MeasureBandwidths, ALinkWhoseMemoryCannotBeAllocatedStaysUnmeasured) {
  FullSecondGpu memory;
  Bandwidths links = measure_bandwidths(memory, 2);
  EXPECT_GT(links.host_to_device, 0);
  EXPECT_EQ(links.device_to_device, 0);
  EXPECT_FALSE(links.measured);
  EXPECT_FALSE(links.covers(2));
}

}  // namespace
}  // namespace hetsched::detail
