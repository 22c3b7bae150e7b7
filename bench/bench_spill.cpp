// Workload: spilling past the host budget (Config::object_store_bytes) and restoring on access.
//  - spill_restore_hetsched: puts `objects` vectors of `object_mib` MiB each into a runtime whose budget holds a
//    quarter of them, so three quarters are written to the spill directory (in batches of spill_batch_bytes,
//    checksummed), then reads every one back with get(std::move(ref)), which restores the spilled ones. Counters:
//    spill_MBps (bytes spilled over the time of the puts, which is mostly the spilling), restore_MBps (bytes restored
//    over the time of the gets).
//  - spill_restore_buffers: the same with Buffers (put_buffer), read back by one task each (restored as each
//    starts, two at a time on the two CPUs): a Buffer's host copy spills through the same budget.
//  - write_read_baseline (in this binary): the same bytes written with plain pwrite into one file in the same
//    directory and read back with pread, no checksum: what the file system gives without the store (write_MBps,
//    read_MBps). Neither side calls fsync: spill files are scratch, so both measure what the page cache absorbs on
//    this machine; bench/spill_bandwidth.sh runs dd with and without fdatasync beside it for the disk itself.
// The spill directory is HETSCHED_SPILL_DIR when set, else the default (hetsched-spill-<uid> under TMPDIR or /tmp).
// HETSCHED_BENCH_QUICK=1: 16 objects of 1 MiB.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <hetsched/hetsched.hpp>

#include "bench_support.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Sizes {
  std::size_t objects;
  std::size_t object_bytes;
};

Sizes sizes() {
  return hetsched_bench::quick_mode() ? Sizes{16, std::size_t{1} << 20} : Sizes{64, std::size_t{16} << 20};
}

std::string spill_dir() {
  if (const char* dir = std::getenv("HETSCHED_SPILL_DIR"); dir && *dir == '/') return dir;
  const char* tmp = std::getenv("TMPDIR");
  std::string base = tmp && *tmp == '/' ? tmp : "/tmp";
  return base + "/hetsched-spill-" + std::to_string(::getuid());
}

double mb_per_s(std::size_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

/// Puts size.objects values made by `put(rt, i)` into a runtime whose budget holds a quarter of them, then reads
/// them all back with `read_all(rt, refs)`; reports the spill and restore bandwidths.
template <class Put, class ReadAll>
void spill_restore(benchmark::State& state, Put put, ReadAll read_all) {
  const Sizes size = sizes();
  hetsched::Config config = hetsched_bench::config_with_cpus(2);
  config.object_store_bytes = size.objects * size.object_bytes / 4;
  config.spill_dir = spill_dir();
  if (hetsched_bench::quick_mode()) config.spill_batch_bytes = 4 << 20;
  hetsched::Runtime rt{config};
  double spill_seconds = 0, restore_seconds = 0;
  std::size_t spilled = 0, restored = 0;
  for (auto _ : state) {
    const auto before = rt.store_stats();
    std::vector<decltype(put(rt, 0, size.object_bytes))> refs;
    auto start = Clock::now();
    for (std::size_t i = 0; i < size.objects; ++i) refs.push_back(put(rt, i, size.object_bytes));
    spill_seconds += seconds_since(start);
    start = Clock::now();
    benchmark::DoNotOptimize(read_all(rt, refs));
    restore_seconds += seconds_since(start);
    const auto after = rt.store_stats();
    spilled += after.bytes_spilled - before.bytes_spilled;
    restored += after.bytes_restored - before.bytes_restored;
    state.SetIterationTime(0);
  }
  state.counters["spill_MBps"] = mb_per_s(spilled, spill_seconds);
  state.counters["restore_MBps"] = mb_per_s(restored, restore_seconds);
  state.counters["spilled_MB"] = static_cast<double>(spilled) / 1e6 / static_cast<double>(state.iterations());
}

void spill_restore_hetsched(benchmark::State& state) {
  spill_restore(
      state,
      [](hetsched::Runtime& rt, std::size_t i, std::size_t bytes) {
        return rt.put(std::vector<double>(bytes / sizeof(double), static_cast<double>(i)));
      },
      [](hetsched::Runtime& rt, auto& refs) {
        double checksum = 0;
        for (auto& ref : refs) checksum += rt.get(std::move(ref))[1];
        return checksum;
      });
}

void spill_restore_buffers(benchmark::State& state) {
  spill_restore(
      state,
      [](hetsched::Runtime& rt, std::size_t i, std::size_t bytes) {
        return rt.put_buffer(std::vector<double>(bytes / sizeof(double), static_cast<double>(i)));
      },
      [](hetsched::Runtime& rt, auto& refs) {  // tasks read them, two at a time, restoring each as it starts
        std::vector<hetsched::ObjectRef<double>> firsts;
        for (auto& ref : refs) {
          firsts.push_back(rt.task([](std::span<const double> values) { return values[1]; })
                               .remote(hetsched::read(ref)));
        }
        refs.clear();
        double checksum = 0;
        for (double first : rt.get(firsts)) checksum += first;
        return checksum;
      });
}

void write_read_baseline(benchmark::State& state) {
  const Sizes size = sizes();
  const std::string dir = spill_dir();
  ::mkdir(dir.c_str(), 0700);
  const std::string path = dir + "/bench-baseline-" + std::to_string(::getpid()) + ".bin";
  const std::size_t spilled_objects = size.objects * 3 / 4;  // what the store spills
  std::vector<char> bytes(size.object_bytes, 'x');
  double write_seconds = 0, read_seconds = 0;
  std::size_t moved = 0;
  for (auto _ : state) {
    int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
      state.SkipWithError(("cannot create " + path).c_str());
      return;
    }
    auto start = Clock::now();
    for (std::size_t i = 0; i < spilled_objects; ++i) {
      std::vector<char> object(bytes);  // the store's put makes the value too
      const auto offset = static_cast<off_t>(i * object.size());
      if (::pwrite(fd, object.data(), object.size(), offset) < 0) state.SkipWithError("pwrite");
    }
    write_seconds += seconds_since(start);
    start = Clock::now();
    for (std::size_t i = 0; i < spilled_objects; ++i) {
      std::vector<char> object(bytes.size());
      const auto offset = static_cast<off_t>(i * object.size());
      if (::pread(fd, object.data(), object.size(), offset) < 0) state.SkipWithError("pread");
      benchmark::DoNotOptimize(object.data());
    }
    read_seconds += seconds_since(start);
    ::close(fd);
    ::unlink(path.c_str());
    moved += spilled_objects * bytes.size();
    state.SetIterationTime(0);
  }
  state.counters["write_MBps"] = mb_per_s(moved, write_seconds);
  state.counters["read_MBps"] = mb_per_s(moved, read_seconds);
}

BENCHMARK(spill_restore_hetsched)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(spill_restore_buffers)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(write_read_baseline)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
