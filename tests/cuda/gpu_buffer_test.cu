// Buffers on a real GPU: kernels on ctx.stream() read and write the device replica, the store moves exactly the bytes
// the coherence protocol says (checked with the transfer counters), ctx.alloc gives device memory, and a task's
// result is published only once its kernels have finished (a dependent task never sees the contents from before).
#include <thrust/functional.h>
#include <thrust/reduce.h>
#include <thrust/transform.h>

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include <hetsched/cuda/thrust_policy.cuh>

#include "gpu_test_support.cuh"

namespace {

using hetsched_gpu_test::gpu_config;
using hetsched_gpu_test::hang_guard;

constexpr std::size_t elements = std::size_t{1} << 20;
constexpr std::size_t bytes = elements * sizeof(int);
constexpr int threads_per_block = 256;

/// Enough blocks of threads_per_block for a grid-stride loop over `count` elements.
unsigned int blocks_for(std::size_t count) {
  return static_cast<unsigned int>(std::min<std::size_t>((count + threads_per_block - 1) / threads_per_block, 1024));
}

/// values[i] = scale * i + offset.
__global__ void fill_affine(int* values, std::size_t count, int scale, int offset) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < count;
       i += std::size_t{gridDim.x} * blockDim.x) {
    values[i] = scale * static_cast<int>(i) + offset;
  }
}

/// values[i] += 1.
__global__ void add_one(int* values, std::size_t count) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < count;
       i += std::size_t{gridDim.x} * blockDim.x) {
    values[i] += 1;
  }
}

/// Waits `delay_ns` on the device, then values[i] = i + 1: a kernel still running long after its task body returned.
__global__ void fill_after_delay(int* values, std::size_t count, unsigned long long delay_ns) {
  const unsigned long long until = hetsched_gpu_test::device_clock_ns() + delay_ns;
  while (hetsched_gpu_test::device_clock_ns() < until) __nanosleep(10000);
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < count;
       i += std::size_t{gridDim.x} * blockDim.x) {
    values[i] = static_cast<int>(i) + 1;
  }
}

/// to[i] = from[i].
__global__ void copy_values(const int* from, int* to, std::size_t count) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < count;
       i += std::size_t{gridDim.x} * blockDim.x) {
    to[i] = from[i];
  }
}

/// Submits a GPU task whose kernel writes values[i] = i + 1 into `ref` 200 ms after its body returned.
void submit_slow_writer(hetsched::Runtime& rt, const hetsched::ObjectRef<hetsched::Buffer<int>>& ref) {
  rt.task([](hetsched::TaskContext& ctx, std::span<int> values) {
      fill_after_delay<<<blocks_for(values.size()), threads_per_block, 0, ctx.stream()>>>(
          values.data(), values.size(), 200'000'000ULL);
    })
      .gpus(1)
      .name("slow writer")
      .remote(hetsched::read_write(ref));
}

/// 3 * x + 1, for thrust::transform.
struct ThreeXPlusOne {
  __host__ __device__ int operator()(int x) const { return 3 * x + 1; }
};

std::vector<int> iota_vector(std::size_t count) {
  std::vector<int> values(count);
  std::iota(values.begin(), values.end(), 0);
  return values;
}

/// The first index where view[i] != expected(i), or view.size() when there is none.
template <class Expected>
std::size_t first_mismatch(std::span<const int> view, Expected expected) {
  for (std::size_t i = 0; i < view.size(); ++i) {
    if (view[i] != expected(i)) return i;
  }
  return view.size();
}

TEST(GpuBuffer, AKernelWritesTheBufferOnTheTaskStreamAndGetSeesIt) {
  HETSCHED_REQUIRE_GPU();
  hetsched::Runtime rt{gpu_config()};
  auto ref = rt.put_buffer(std::vector<int>(elements, 0));
  hetsched_gpu_test::PointerPlace seen;
  int device = -1;
  rt.task([&seen, &device](hetsched::TaskContext& ctx, std::span<int> out) {
      seen = hetsched_gpu_test::where_is(out.data());
      device = ctx.gpu_ids()[0];
      fill_affine<<<blocks_for(out.size()), threads_per_block, 0, ctx.stream()>>>(out.data(), out.size(), 3, 7);
    })
      .gpus(1)
      .name("fill")
      .remote(hetsched::write(ref));
  std::span<const int> view = rt.get(ref, hang_guard);
  ASSERT_EQ(view.size(), elements);
  const std::size_t bad = first_mismatch(view, [](std::size_t i) { return 3 * static_cast<int>(i) + 7; });
  EXPECT_EQ(bad, elements) << "element " << bad << " is " << view[bad] << ", the kernel wrote " << 3 * bad + 7;
  EXPECT_EQ(seen.type, cudaMemoryTypeDevice) << "the body's span is " << hetsched_gpu_test::describe(seen);
  EXPECT_EQ(seen.device, device);
  auto stats = rt.store_stats();
  EXPECT_EQ(stats.bytes_host_to_device, 0u) << "write access copies nothing in";
  EXPECT_EQ(stats.bytes_device_to_host, bytes) << "get copies the device replica back once";
  EXPECT_EQ(stats.bytes_device_to_device, 0u);
}

TEST(GpuBuffer, AChainOfTenKernelTasksMovesTheBufferToTheDeviceOnceAndBackOnce) {
  HETSCHED_REQUIRE_GPU();
  hetsched::Runtime rt{gpu_config()};
  auto ref = rt.put_buffer(iota_vector(elements));
  hetsched::ObjectRef<void> last;
  for (int step = 0; step < 10; ++step) {
    last = rt.task([](hetsched::TaskContext& ctx, std::span<int> values) {
               add_one<<<blocks_for(values.size()), threads_per_block, 0, ctx.stream()>>>(values.data(),
                                                                                          values.size());
             })
               .gpus(1)
               .name("add one")
               .remote(hetsched::read_write(ref));
  }
  rt.get(last, hang_guard);
  auto before = rt.store_stats();
  EXPECT_EQ(before.bytes_host_to_device, bytes) << "the first task copies the buffer in; the others find it there";
  EXPECT_EQ(before.bytes_device_to_host, 0u) << "nothing comes back before the host asks";
  EXPECT_EQ(before.device_bytes.at(0), bytes) << "one replica on the device";

  std::span<const int> view = rt.get(ref, hang_guard);
  const std::size_t bad = first_mismatch(view, [](std::size_t i) { return static_cast<int>(i) + 10; });
  EXPECT_EQ(bad, elements) << "element " << bad << " is " << view[bad] << ", expected " << bad + 10;
  auto after = rt.store_stats();
  EXPECT_EQ(after.bytes_host_to_device, bytes);
  EXPECT_EQ(after.bytes_device_to_host, bytes);
  EXPECT_EQ(after.bytes_device_to_device, 0u);
}

TEST(GpuBuffer, CtxAllocGivesDeviceMemoryOnTheTasksDeviceThatAKernelFills) {
  HETSCHED_REQUIRE_GPU();
  hetsched::Runtime rt{gpu_config()};
  hetsched_gpu_test::PointerPlace seen;
  int device = -1;
  auto made = rt.task([&seen, &device](hetsched::TaskContext& ctx, std::size_t count) {
                  hetsched::Buffer<int> out = ctx.alloc<int>(count);
                  seen = hetsched_gpu_test::where_is(out.data());
                  device = ctx.gpu_ids()[0];
                  fill_affine<<<blocks_for(count), threads_per_block, 0, ctx.stream()>>>(out.data(), count, 2, -5);
                  return out;
                })
                  .gpus(1)
                  .name("alloc and fill")
                  .remote(elements);
  std::span<const int> view = rt.get(made, hang_guard);
  ASSERT_EQ(view.size(), elements);
  const std::size_t bad = first_mismatch(view, [](std::size_t i) { return 2 * static_cast<int>(i) - 5; });
  EXPECT_EQ(bad, elements) << "element " << bad << " is " << view[bad];
  EXPECT_EQ(seen.type, cudaMemoryTypeDevice) << "ctx.alloc gave " << hetsched_gpu_test::describe(seen);
  EXPECT_EQ(seen.device, device);
  EXPECT_EQ(device, 0);
  auto stats = rt.store_stats();
  EXPECT_EQ(stats.bytes_host_to_device, 0u) << "made on the device: nothing to copy in";
  EXPECT_EQ(stats.bytes_device_to_host, bytes);
}

TEST(GpuBuffer, ATaskAfterAKernelSeesItsWritesNotTheContentsFromBefore) {
  HETSCHED_REQUIRE_GPU();
  hetsched::Runtime rt{gpu_config()};
  auto ref = rt.put_buffer(std::vector<int>(elements, 0));
  // The kernel writes 200 ms after its body returned: publishing the task before its stream drained would let the
  // reader below copy the zeros that were there before.
  submit_slow_writer(rt, ref);
  auto mismatches = rt.task([](std::span<const int> values) {
                          return static_cast<std::size_t>(
                              values.size() - first_mismatch(values, [](std::size_t i) { return static_cast<int>(i) + 1; }));
                        })
                        .name("host reader")
                        .remote(hetsched::read(ref));
  EXPECT_EQ(rt.get(mismatches, hang_guard), 0u) << "the CPU reader saw the buffer before the kernel had written it";
  EXPECT_EQ(rt.store_stats().bytes_device_to_host, bytes);
}

TEST(GpuBuffer, ThrustOnTheTaskStreamTransformsAndReducesBufferSpans) {
  HETSCHED_REQUIRE_GPU();
  hetsched::Runtime rt{gpu_config()};
  auto ref = rt.put_buffer(iota_vector(elements));
  rt.task([](hetsched::TaskContext& ctx, std::span<int> values) {
      thrust::transform(hetsched::thrust_on(ctx), values.data(), values.data() + values.size(),
                        values.data(), ThreeXPlusOne{});
    })
      .gpus(1)
      .name("transform")
      .remote(hetsched::read_write(ref));
  auto total = rt.task([](hetsched::TaskContext& ctx, std::span<const int> values) {
                     return thrust::reduce(hetsched::thrust_on(ctx), values.data(),
                                           values.data() + values.size(), 0LL, thrust::plus<long long>());
                   })
                   .gpus(1)
                   .name("reduce")
                   .remote(hetsched::read(ref));
  const auto n = static_cast<long long>(elements);
  EXPECT_EQ(rt.get(total, hang_guard), 3 * (n * (n - 1) / 2) + n);  // sum of 3i + 1 for i < n
  auto stats = rt.store_stats();
  EXPECT_EQ(stats.bytes_host_to_device, bytes);
  EXPECT_EQ(stats.bytes_device_to_host, 0u) << "both tasks ran on the device copy";
}

TEST(GpuBuffer, AlternatingCpuAndGpuWritersMoveTheBufferAtEveryHandOver) {
  HETSCHED_REQUIRE_GPU();
  hetsched::Runtime rt{gpu_config()};
  auto ref = rt.put_buffer(iota_vector(elements));
  constexpr int rounds = 10;
  for (int round = 0; round < rounds; ++round) {
    rt.task([](hetsched::TaskContext& ctx, std::span<int> values) {
        add_one<<<blocks_for(values.size()), threads_per_block, 0, ctx.stream()>>>(values.data(), values.size());
      })
        .gpus(1)
        .name("gpu add one")
        .remote(hetsched::read_write(ref));
    rt.task([](std::span<int> values) {
        for (int& value : values) value += 1;
      })
        .name("cpu add one")
        .remote(hetsched::read_write(ref));
  }
  std::span<const int> view = rt.get(ref, hang_guard);
  const std::size_t bad = first_mismatch(view, [](std::size_t i) { return static_cast<int>(i) + 2 * rounds; });
  EXPECT_EQ(bad, elements) << "element " << bad << " is " << view[bad] << ": an update was lost";
  auto stats = rt.store_stats();
  EXPECT_EQ(stats.bytes_host_to_device, rounds * bytes) << "each GPU writer copies the host's new contents in";
  EXPECT_EQ(stats.bytes_device_to_host, rounds * bytes) << "each CPU writer copies the GPU's new contents back";
}

TEST(GpuBuffer, ReadersOnOneGpuAtOnceShareOneCopyInAndEachSeesAllOfIt) {
  HETSCHED_REQUIRE_GPU();
  hetsched::Runtime rt{gpu_config()};
  auto input = rt.put_buffer(iota_vector(elements));
  // Four quarter-GPU readers at once on different streams: the first one's copy in is enqueued on its stream, and the
  // others' streams must wait for it (an event) instead of copying again or reading the replica before it is filled.
  std::vector<hetsched::ObjectRef<hetsched::Buffer<int>>> copies;
  for (int reader = 0; reader < 4; ++reader) {
    copies.push_back(rt.task([](hetsched::TaskContext& ctx, std::span<const int> values) {
                         hetsched::Buffer<int> out = ctx.alloc<int>(values.size());
                         copy_values<<<blocks_for(values.size()), threads_per_block, 0, ctx.stream()>>>(
                             values.data(), out.data(), values.size());
                         return out;
                       })
                         .gpus(0.25)
                         .name("reader " + std::to_string(reader))
                         .remote(hetsched::read(input)));
  }
  for (auto& copy : copies) {
    std::span<const int> view = rt.get(copy, hang_guard);
    const std::size_t bad = first_mismatch(view, [](std::size_t i) { return static_cast<int>(i); });
    EXPECT_EQ(bad, elements) << "a reader saw the replica before its copy in had finished, at element " << bad;
  }
  EXPECT_EQ(rt.store_stats().bytes_host_to_device, bytes) << "one copy in, shared by the four readers";
}

TEST(GpuBuffer, HostFunctionCompletionPublishesOnlyAfterTheKernelAndKeepsOrder) {
  HETSCHED_REQUIRE_GPU();
  hetsched::Config config = gpu_config();
  config.gpu_completion = "host_functions";
  hetsched::Runtime rt{config};
  auto ref = rt.put_buffer(std::vector<int>(elements, 0));
  submit_slow_writer(rt, ref);
  constexpr int steps = 100;
  hetsched::ObjectRef<void> last;
  for (int step = 0; step < steps; ++step) {
    last = rt.task([](hetsched::TaskContext& ctx, std::span<int> values) {
               add_one<<<blocks_for(values.size()), threads_per_block, 0, ctx.stream()>>>(values.data(),
                                                                                          values.size());
             })
               .gpus(0.5)
               .name("add one")
               .remote(hetsched::read_write(ref));
  }
  rt.get(last, hang_guard);
  std::span<const int> view = rt.get(ref, hang_guard);
  const std::size_t bad = first_mismatch(view, [](std::size_t i) { return static_cast<int>(i) + 1 + steps; });
  EXPECT_EQ(bad, elements) << "element " << bad << " is " << view[bad] << ", expected " << bad + 1 + steps;
}

}  // namespace
