// Placement policies (Config::placement_policy, TaskBuilder::policy) and task priorities, seen from the public API.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <numeric>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

using hetsched_test::make_config;
using hetsched_test::Rendezvous;

/// Runs two gpus(0.25) tasks at the same time and returns the devices they were given.
std::vector<int> place_two_quarters(const std::string& policy) {
  auto config = make_config(4, 2);
  config.placement_policy = policy;
  hetsched::Runtime rt{config};
  Rendezvous both(2);
  std::vector<hetsched::ObjectRef<int>> refs;
  for (int i = 0; i < 2; ++i) {
    refs.push_back(rt.task([&both](hetsched::TaskContext& ctx) {
                       both.arrive_and_wait();
                       return ctx.gpu_ids()[0];
                     })
                       .gpus(0.25)
                       .remote());
  }
  return rt.get(refs);
}

TEST(Placement, PackPutsSmallGpuSharesOnOneDevice) {
  auto devices = place_two_quarters("pack");
  EXPECT_EQ(devices[0], devices[1]);
}

TEST(Placement, SpreadPutsSmallGpuSharesOnDifferentDevices) {
  auto devices = place_two_quarters("spread");
  EXPECT_NE(devices[0], devices[1]);
}

TEST(Placement, AnUnknownPolicyIsAUsageError) {
  auto config = make_config(1);
  config.placement_policy = "nearest";
  EXPECT_THROW(hetsched::Runtime{config}, hetsched::UsageError);
}

TEST(Placement, EveryKnownPolicyRuns) {
  for (const char* policy : {"pack", "spread", "locality", "model", "dmdas", "heteroprio", "random", "random:123"}) {
    auto config = make_config(2, 2);
    config.placement_policy = policy;
    hetsched::Runtime rt{config};
    auto ref = rt.task([](hetsched::TaskContext& ctx) { return ctx.gpu_ids().size(); }).gpus(0.5).remote();
    EXPECT_EQ(rt.get(ref), 1u) << policy;
  }
}

TEST(Placement, AnUnknownPerTaskPolicyIsAUsageErrorAtSubmissionListingTheKnownOnes) {
  hetsched::Runtime rt{make_config(1, 1)};
  try {
    rt.task([] { return 1; }).gpus(0.5).policy("nearest").remote();
    FAIL() << "an unknown per-task policy must be refused";
  } catch (const hetsched::UsageError& e) {
    std::string message = e.what();
    for (const char* part : {"nearest", "\"pack\"", "\"spread\"", "\"locality\"", "\"model\"", "\"random\""}) {
      EXPECT_TRUE(hetsched_test::contains(message, part)) << message;
    }
  }
  EXPECT_THROW(rt.actor<int>().policy("nearest").remote(), hetsched::UsageError);
}

TEST(Placement, APerTaskPolicyOverridesTheRuntimes) {
  hetsched::Runtime rt{make_config(4, 2)};  // pack
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto holder = rt.task([released](hetsched::TaskContext& ctx) {
                    released.wait();
                    return ctx.gpu_ids()[0];
                  })
                    .gpus(0.25)
                    .remote();
  auto device_of = [](hetsched::TaskContext& ctx) { return ctx.gpu_ids()[0]; };
  int spread = rt.get(rt.task(device_of).gpus(0.25).policy("spread").remote());
  int packed = rt.get(rt.task(device_of).gpus(0.25).remote());
  release.set_value();
  int held = rt.get(holder);
  EXPECT_NE(spread, held) << "spread takes the device with the most left";
  EXPECT_EQ(packed, held) << "pack fills the device in use";
}

/// Bytes the store copied onto GPUs (from the host or from another GPU) while a chain of `length` read_write tasks
/// used one buffer on 2 logical GPUs under `policy`.
std::size_t bytes_moved_by_a_chain(const std::string& policy, int length, std::size_t& buffer_bytes) {
  auto config = make_config(2, 2);
  config.placement_policy = policy;
  hetsched::Runtime rt{config};
  std::vector<int> values(1 << 16, 0);
  buffer_bytes = values.size() * sizeof(int);
  auto ref = rt.put_buffer(values);
  for (int i = 0; i < length; ++i) {
    rt.task([](std::span<int> data) {
        for (int& value : data) ++value;
      })
        .gpus(0.5)
        .remote(hetsched::read_write(ref));
  }
  std::span<const int> result = rt.get(ref);
  EXPECT_EQ(std::accumulate(result.begin(), result.end(), 0LL), static_cast<long long>(length) * 65536) << policy;
  hetsched::StoreStats stats = rt.store_stats();
  return stats.bytes_host_to_device + stats.bytes_device_to_device;
}

TEST(Placement, LocalityKeepsAChainOnOneBufferOnTheGpuThatHoldsIt) {
  std::size_t bytes = 0;
  EXPECT_EQ(bytes_moved_by_a_chain("locality", 10, bytes), bytes) << "the buffer moves to a GPU once, then stays";
  // model: the first three runs calibrate (placed as pack places them), the rest price the move to the other GPU.
  EXPECT_EQ(bytes_moved_by_a_chain("model", 30, bytes), bytes) << "moving the buffer never pays here";
  EXPECT_EQ(bytes_moved_by_a_chain("dmdas", 30, bytes), bytes) << "nor under dmdas (it charges moves twice)";
  std::size_t spread = bytes_moved_by_a_chain("spread", 10, bytes);
  EXPECT_GT(spread, bytes) << "spread takes the GPUs in turn, so the buffer follows";
  std::printf("a 10-task chain on one buffer over 2 logical GPUs: the buffer moved %zu times under spread\n",
              spread / bytes);
}

TEST(Placement, DmdasRunsEveryTaskOfABurstThatItCommitsToBusyGpus) {
  // 64 ready tasks of 1 ms on 2 logical GPUs: once calibrated, dmdas commits those that find both GPUs busy to the
  // device that frees first; each must run once, on one device, with its result.
  auto config = make_config(2, 2);
  config.placement_policy = "dmdas";
  hetsched::Runtime rt{config};
  std::vector<hetsched::ObjectRef<int>> refs;
  for (int i = 0; i < 64; ++i) {
    refs.push_back(rt.task([](hetsched::TaskContext& ctx, int value) {
                       std::this_thread::sleep_for(std::chrono::milliseconds(1));
                       return ctx.gpu_ids().size() == 1 ? value : -1;
                     })
                       .gpus(1)
                       .remote(i));
  }
  for (int i = 0; i < 64; ++i) EXPECT_EQ(rt.get(refs[static_cast<std::size_t>(i)]), i);
}

TEST(Priority, AHigherPriorityReadyTaskStartsBeforeEarlierLowerOnes) {
  hetsched::Runtime rt{make_config(1)};
  std::promise<void> open;
  std::shared_future<void> opened = open.get_future().share();
  auto gate = rt.task([opened] { opened.wait(); }).remote();  // holds the only CPU
  std::mutex mutex;
  std::vector<std::string> order;
  auto record = [&](std::string name) {
    std::lock_guard lock(mutex);
    order.push_back(std::move(name));
  };
  std::vector<hetsched::ObjectRef<void>> refs;
  refs.push_back(rt.task(record).remote(std::string("low-1")));
  refs.push_back(rt.task(record).priority(-2).remote(std::string("lowest")));
  refs.push_back(rt.task(record).remote(std::string("low-2")));
  refs.push_back(rt.task(record).priority(5).remote(std::string("high")));
  refs.push_back(rt.task(record).priority(1).remote(std::string("middle")));
  open.set_value();
  rt.get(gate);
  rt.get(refs);
  EXPECT_EQ(order, (std::vector<std::string>{"high", "middle", "low-1", "low-2", "lowest"}));
}

}  // namespace
