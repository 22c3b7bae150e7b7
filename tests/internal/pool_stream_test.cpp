// Pool streams go to tasks with no work in flight on them (issue 10, defect 3), on the simulated CUDA runtime: while
// one long task's kernel runs, nine short tasks each get a stream of their own, none of them the long task's (whose
// work they would queue behind), and they finish while the long kernel still runs; an idle stream is reused.
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "simulated_machine.hpp"

namespace hetsched::test {
namespace {

using PoolStreams = SimulatedMachine;

TEST_F(PoolStreams, NineShortTasksNeverShareTheStreamOfALongOneAndFinishWhileItRuns) {
  hetsched::Runtime rt(config(4, 1));
  sim::Gate long_kernel_done;
  std::atomic<hetsched::StreamHandle> long_stream{nullptr};
  auto long_task = rt.task([&](hetsched::TaskContext& ctx) {
                       long_stream = ctx.stream();
                       sim::launch(ctx.stream(), long_kernel_done.kernel());
                     })
                       .gpus(0.1)
                       .remote();
  while (long_stream.load() == nullptr) std::this_thread::yield();
  std::vector<hetsched::ObjectRef<hetsched::StreamHandle>> short_tasks;
  for (int task = 0; task < 9; ++task) {
    short_tasks.push_back(rt.task([](hetsched::TaskContext& ctx) {
                              sim::launch(ctx.stream(), sim::Kernel{});
                              return ctx.stream();
                            })
                              .gpus(0.1)
                              .remote());
  }
  // A short task given the long task's stream would complete only after the long kernel: wait for them with a bound
  // far above their run time, then let the long kernel end whatever happened.
  const hetsched::WaitResult<hetsched::StreamHandle> finished =
      rt.wait(short_tasks, short_tasks.size(), std::chrono::seconds(20));
  const std::size_t finished_early = finished.ready.size();
  long_kernel_done.open();
  rt.get(long_task);
  EXPECT_EQ(finished_early, short_tasks.size()) << "a short task queued behind the long task's kernel";
  for (auto& task : short_tasks) {
    EXPECT_NE(rt.get(task), long_stream.load()) << "a short task shared the long one's stream";
  }
}

TEST_F(PoolStreams, ATaskAfterAnotherHasFinishedReusesItsIdleStream) {
  hetsched::Runtime rt(config(2, 1));
  auto stream_of_a_task = [&rt] {
    return rt.get(rt.task([](hetsched::TaskContext& ctx) {
                      sim::launch(ctx.stream(), sim::Kernel{});
                      return ctx.stream();
                    })
                      .gpus(1)
                      .remote());
  };
  const hetsched::StreamHandle first = stream_of_a_task();
  for (int task = 0; task < 20; ++task) EXPECT_EQ(stream_of_a_task(), first) << "an idle stream was not reused";
}

}  // namespace
}  // namespace hetsched::test
