// Buffers on logical GPUs: host views, coherence (which copies move, and when), the order of tasks that share a
// buffer, ctx.alloc, and failures. Logical GPUs run the same coherence code as real ones, with host memory standing in
// for device memory, so the transfer counters here are the bytes a real GPU would move.
#include <gtest/gtest.h>

#include <numeric>
#include <span>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

using hetsched_test::make_config;

constexpr std::size_t elements = 4096;
constexpr std::size_t bytes = elements * sizeof(int);

std::vector<int> iota_vector(std::size_t n, int first = 0) {
  std::vector<int> values(n);
  std::iota(values.begin(), values.end(), first);
  return values;
}

void add_one(std::span<int> values) {
  for (int& v : values) ++v;
}

long long sum(std::span<const int> values) { return std::accumulate(values.begin(), values.end(), 0LL); }

TEST(Buffer, PutBufferThenGetGivesTheValuesOnTheHost) {
  hetsched::Runtime rt{make_config(2)};
  auto ref = rt.put_buffer(iota_vector(elements));
  std::span<const int> view = rt.get(ref);
  ASSERT_EQ(view.size(), elements);
  EXPECT_EQ(view[0], 0);
  EXPECT_EQ(view[elements - 1], static_cast<int>(elements - 1));
  EXPECT_EQ(rt.get(std::move(ref)), iota_vector(elements));  // a temporary ref gives a vector
}

TEST(Buffer, CpuTaskWritesTheHostReplicaInPlace) {
  hetsched::Runtime rt{make_config(2, 1)};
  auto ref = rt.put_buffer(iota_vector(elements));
  rt.task(add_one).remote(hetsched::read_write(ref));
  EXPECT_EQ(rt.get(ref)[10], 11);  // get waits for the writer submitted before it
  auto stats = rt.store_stats();
  EXPECT_EQ(stats.bytes_host_to_device, 0u);
  EXPECT_EQ(stats.bytes_device_to_host, 0u);
}

TEST(Buffer, GpuTaskReadsACopyOnItsDeviceAndTheHostStaysValid) {
  hetsched::Runtime rt{make_config(2, 1)};
  auto ref = rt.put_buffer(iota_vector(elements));
  const int* host = rt.get(ref).data();
  auto seen = rt.task([](std::span<const int> values) { return std::pair(values.data(), sum(values)); })
                  .gpus(1)
                  .remote(hetsched::read(ref));
  auto [device_pointer, total] = rt.get(seen);
  EXPECT_NE(device_pointer, host);  // the GPU's own replica
  EXPECT_EQ(total, sum(iota_vector(elements)));
  EXPECT_EQ(rt.store_stats().bytes_host_to_device, bytes);
  EXPECT_EQ(rt.get(ref).data(), host);  // reading on the GPU left the host copy valid: no copy back
  EXPECT_EQ(rt.store_stats().bytes_device_to_host, 0u);
}

TEST(Buffer, AChainOfGpuTasksMovesTheBufferOnceEachWay) {
  hetsched::Runtime rt{make_config(2, 1)};
  auto ref = rt.put_buffer(iota_vector(elements));
  for (int i = 0; i < 10; ++i) rt.task(add_one).gpus(1).remote(hetsched::read_write(ref));
  std::span<const int> view = rt.get(ref);
  EXPECT_EQ(view[0], 10);
  EXPECT_EQ(view[elements - 1], static_cast<int>(elements - 1 + 10));
  auto stats = rt.store_stats();
  EXPECT_EQ(stats.bytes_host_to_device, bytes);  // in once
  EXPECT_EQ(stats.bytes_device_to_host, bytes);  // out once, for the host view
}

TEST(Buffer, StoreStatsTimeTheCopiesTheyCount) {
  hetsched::Runtime rt{make_config(2, 1)};
  auto ref = rt.put_buffer(iota_vector(elements));
  auto stats = rt.store_stats();
  EXPECT_EQ(stats.copy_seconds_host_to_device, 0.0);
  EXPECT_EQ(stats.copy_seconds_device_to_host, 0.0);
  rt.task(add_one).gpus(1).remote(hetsched::read_write(ref));
  EXPECT_EQ(rt.get(ref)[0], 1);  // in to the GPU, back out for the host view
  stats = rt.store_stats();
  EXPECT_GT(stats.copy_seconds_host_to_device, 0.0);
  EXPECT_GT(stats.copy_seconds_device_to_host, 0.0);
  EXPECT_EQ(stats.copy_seconds_device_to_device, 0.0);  // no copy of that kind, so no time
}

TEST(Buffer, AReaderOnAnotherGpuCopiesFromTheGpuThatWroteIt) {
  hetsched::Runtime rt{make_config(4, 2)};
  auto ref = rt.put_buffer(iota_vector(elements));
  auto device_of = [](hetsched::TaskContext& ctx, hetsched_test::Gate* gate) {
    if (gate) gate->wait();
    return ctx.gpu_ids()[0];
  };
  hetsched_test::Gate first_gate, second_gate;
  auto first_blocker = rt.task(device_of).gpus(1).remote(&first_gate);  // holds one GPU
  auto writer = rt.task([](hetsched::TaskContext& ctx, std::span<int> values) {
                    add_one(values);
                    return ctx.gpu_ids()[0];
                  })
                    .gpus(1)
                    .remote(hetsched::read_write(ref));  // so this one runs on the other
  const int written_on = rt.get(writer);
  auto second_blocker = rt.task(device_of).gpus(1).remote(&second_gate);  // holds the writer's GPU
  first_gate.open();
  const int other = rt.get(first_blocker);
  ASSERT_NE(other, written_on);
  auto reader = rt.task([](hetsched::TaskContext& ctx, std::span<const int> values) {
                    return std::pair(ctx.gpu_ids()[0], values[0]);
                  })
                    .gpus(1)
                    .remote(hetsched::read(ref));
  EXPECT_EQ(rt.get(reader), std::pair(other, 1));
  second_gate.open();
  EXPECT_EQ(rt.get(second_blocker), written_on);
  auto stats = rt.store_stats();
  EXPECT_EQ(stats.bytes_host_to_device, bytes);
  EXPECT_EQ(stats.bytes_device_to_device, bytes);  // the host copy was stale: GPU to GPU
  EXPECT_EQ(stats.bytes_device_to_host, 0u);
  EXPECT_GT(stats.copy_seconds_device_to_device, 0.0);
  EXPECT_EQ(stats.copy_seconds_device_to_host, 0.0);
}

TEST(Buffer, WriteOnlyAccessCopiesNothingIn) {
  hetsched::Runtime rt{make_config(2, 1)};
  auto ref = rt.put_buffer(iota_vector(elements));
  rt.task([](std::span<int> out) { std::fill(out.begin(), out.end(), 7); }).gpus(1).remote(hetsched::write(ref));
  EXPECT_EQ(rt.get(ref)[123], 7);
  EXPECT_EQ(rt.store_stats().bytes_host_to_device, 0u);
  EXPECT_EQ(rt.store_stats().bytes_device_to_host, bytes);
}

TEST(Buffer, WritersNeverOverlapAndNoUpdateIsLost) {
  hetsched::Runtime rt{make_config(4, 2)};
  auto ref = rt.put_buffer(std::vector<int>(elements, 0));
  hetsched_test::ConcurrencyMeter meter;
  std::vector<hetsched::ObjectRef<void>> done;
  for (int i = 0; i < 200; ++i) {
    auto body = [&meter](std::span<int> values) {
      hetsched_test::ConcurrencyMeter::Scope inside(meter);
      add_one(values);  // not atomic: an overlapping writer would lose increments
    };
    done.push_back(i % 2 ? rt.task(body).remote(hetsched::read_write(ref))
                         : rt.task(body).gpus(0.5).remote(hetsched::read_write(ref)));
  }
  rt.get(done);
  EXPECT_EQ(meter.max(), 1);
  std::span<const int> view = rt.get(ref);
  EXPECT_EQ(view[0], 200);
  EXPECT_EQ(view[elements - 1], 200);
}

TEST(Buffer, EachReaderSeesExactlyTheWritesSubmittedBeforeIt) {
  hetsched::Runtime rt{make_config(4, 2)};
  auto ref = rt.put_buffer(std::vector<int>(elements, 0));
  std::vector<hetsched::ObjectRef<int>> seen;
  for (int i = 1; i <= 50; ++i) {
    rt.task([i](std::span<int> values) { std::fill(values.begin(), values.end(), i); })
        .gpus(i % 3 == 0 ? 0.0 : 0.5)
        .remote(hetsched::write(ref));
    for (int reader = 0; reader < 3; ++reader) {
      seen.push_back(rt.task([](std::span<const int> values) { return values[values.size() / 2]; })
                         .gpus(reader == 1 ? 0.25 : 0.0)
                         .remote(hetsched::read(ref)));
    }
  }
  std::vector<int> values = rt.get(seen);
  for (std::size_t k = 0; k < values.size(); ++k) EXPECT_EQ(values[k], static_cast<int>(k / 3 + 1)) << k;
}

TEST(Buffer, AWriterWaitsForEveryReaderSubmittedBeforeIt) {
  hetsched::Runtime rt{make_config(4, 1)};
  auto ref = rt.put_buffer(std::vector<int>(elements, 1));
  hetsched_test::Gate gate;
  auto reader = rt.task([&gate](std::span<const int> values) {
                  gate.wait();
                  return sum(values);
                }).remote(hetsched::read(ref));
  auto writer = rt.task([](std::span<int> values) { std::fill(values.begin(), values.end(), 5); })
                    .remote(hetsched::write(ref));
  EXPECT_FALSE(writer.is_ready());
  gate.open();
  EXPECT_EQ(rt.get(reader), static_cast<long long>(elements));  // the old contents, not the writer's
  rt.get(writer);
  EXPECT_EQ(rt.get(ref)[0], 5);
}

TEST(Buffer, TasksProducingAndConsumingBuffersFormAGraph) {
  hetsched::Runtime rt{make_config(2, 1)};
  auto made = rt.task([](hetsched::TaskContext& ctx, int n) {
                  auto out = ctx.alloc<int>(static_cast<std::size_t>(n));
                  std::iota(out.data(), out.data() + n, 1);
                  return out;
                })
                  .gpus(1)
                  .remote(static_cast<int>(elements));
  auto total = rt.task([](std::span<const int> values) { return sum(values); }).gpus(1).remote(hetsched::read(made));
  EXPECT_EQ(rt.get(total), static_cast<long long>(elements) * (elements + 1) / 2);
  EXPECT_EQ(rt.store_stats().bytes_host_to_device, 0u);  // made on the GPU, read there
  std::span<const int> view = rt.get(made);
  EXPECT_EQ(view[0], 1);
  EXPECT_EQ(rt.store_stats().bytes_device_to_host, bytes);
}

TEST(Buffer, RememberingAReaderForOrderingDoesNotKeepItsResultAlive) {
  hetsched::Runtime rt{make_config(2, 1)};
  auto input = rt.put_buffer(iota_vector(elements));
  {
    auto copy = rt.task([](hetsched::TaskContext& ctx, std::span<const int> in) {
                    auto out = ctx.alloc<int>(in.size());
                    std::copy(in.begin(), in.end(), out.data());
                    return out;
                  })
                    .gpus(1)
                    .remote(hetsched::read(input));
    EXPECT_EQ(rt.get(copy)[5], 5);
    EXPECT_EQ(rt.store_stats().device_bytes.at(0), 2 * bytes);
  }
  // `input` still lists that task as its latest reader; the copy's GPU memory must go with its last ref anyway.
  EXPECT_TRUE(hetsched_test::eventually([&] { return rt.store_stats().device_bytes.at(0) == bytes; }));
}

TEST(Buffer, CtxAllocOnACpuTaskIsHostMemory) {
  hetsched::Runtime rt{make_config(2)};
  auto made = rt.task([](hetsched::TaskContext& ctx) {
                  auto out = ctx.alloc<double>(3);
                  std::fill(out.data(), out.data() + 3, 2.5);
                  return out;
                }).remote();
  std::span<const double> view = rt.get(made);
  ASSERT_EQ(view.size(), 3u);
  EXPECT_EQ(view[2], 2.5);
  EXPECT_EQ(rt.store_stats().bytes_device_to_host, 0u);
}

TEST(Buffer, AFailedWriterFailsLaterUsersButAFailedReaderDoesNot) {
  hetsched::Runtime rt{make_config(2, 1)};
  auto ref = rt.put_buffer(std::vector<int>(elements, 0));
  auto failing_reader = rt.task([](std::span<const int>) { throw std::runtime_error("reader broke"); })
                            .remote(hetsched::read(ref));
  auto writer = rt.task(add_one).gpus(1).remote(hetsched::read_write(ref));
  EXPECT_THROW(rt.get(failing_reader), hetsched::TaskError);
  EXPECT_NO_THROW(rt.get(writer));  // a reader changes nothing: its failure is its own
  rt.task([](std::span<int>) { throw std::runtime_error("writer broke"); }).remote(hetsched::read_write(ref));
  auto later = rt.task([](std::span<const int> values) { return values[0]; }).remote(hetsched::read(ref));
  try {
    rt.get(later);
    FAIL() << "a reader after a failed writer must fail";
  } catch (const hetsched::TaskError& error) {
    EXPECT_NE(std::string(error.what()).find("writer broke"), std::string::npos) << error.what();
  }
  EXPECT_THROW(rt.get(ref), hetsched::TaskError);
}

TEST(Buffer, EmptyBuffersWork) {
  hetsched::Runtime rt{make_config(2, 1)};
  auto ref = rt.put_buffer(std::vector<float>{});
  auto size = rt.task([](std::span<const float> values) { return values.size(); }).gpus(1).remote(hetsched::read(ref));
  EXPECT_EQ(rt.get(size), 0u);
  EXPECT_TRUE(rt.get(ref).empty());
}

TEST(Buffer, ActorMethodsDeclareAccessLikeTasks) {
  struct Accumulator {
    long long total = 0;
    long long add(std::span<const int> values) { return total += sum(values); }
    void scale(std::span<int> values) {
      for (int& v : values) v *= 2;
    }
  };
  hetsched::Runtime rt{make_config(2, 1)};
  auto ref = rt.put_buffer(std::vector<int>(elements, 1));
  auto actor = rt.actor<Accumulator>().gpus(1).remote();
  actor.call(&Accumulator::add, hetsched::read(ref));
  actor.call(&Accumulator::scale, hetsched::read_write(ref));
  auto total = actor.call(&Accumulator::add, hetsched::read(ref));
  EXPECT_EQ(rt.get(total), static_cast<long long>(elements) * 3);
  EXPECT_EQ(rt.get(ref)[0], 2);
}

TEST(Buffer, SubmittersUsingTwoBuffersInOppositeOrdersDoNotDeadlock) {
  hetsched::Runtime rt{make_config(4, 1)};
  auto a = rt.put_buffer(std::vector<int>(16, 0));
  auto b = rt.put_buffer(std::vector<int>(16, 0));
  auto both = [](std::span<int> x, std::span<int> y) {
    add_one(x);
    add_one(y);
  };
  auto submit = [&](bool a_first) {
    for (int i = 0; i < 200; ++i) {
      if (a_first) {
        rt.task(both).remote(hetsched::read_write(a), hetsched::read_write(b));
      } else {
        rt.task(both).gpus(0.5).remote(hetsched::read_write(b), hetsched::read_write(a));
      }
    }
  };
  std::thread other(submit, false);
  submit(true);
  other.join();
  EXPECT_EQ(rt.get(a)[3], 400);
  EXPECT_EQ(rt.get(b)[3], 400);
}

TEST(Buffer, ReplicasAreFreedWithTheLastRefAndMayOutliveTheRuntime) {
  hetsched::ObjectRef<hetsched::Buffer<int>> survivor;
  {
    hetsched::Runtime rt{make_config(2, 1)};
    {
      auto ref = rt.put_buffer(iota_vector(elements));
      rt.get(rt.task(add_one).gpus(1).remote(hetsched::read_write(ref)));
      EXPECT_EQ(rt.store_stats().device_bytes.at(0), bytes);
    }
    // The finished task's record (holding its argument) is released by its thread just after publishing.
    EXPECT_TRUE(hetsched_test::eventually([&] { return rt.store_stats().device_bytes.at(0) == 0; }));
    survivor = rt.put_buffer(iota_vector(elements));
    rt.get(rt.task(add_one).gpus(1).remote(hetsched::read_write(survivor)));  // only valid copy on the GPU
  }
  EXPECT_TRUE(survivor.is_ready());  // shutdown wrote it back; dropping it later frees host memory only
}

}  // namespace
