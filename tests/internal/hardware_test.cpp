#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "hardware/cgroup.hpp"
#include "hardware/gpu_probe.hpp"
#include "hetsched/hardware.hpp"

namespace {

using hetsched::detail::CpuQuota;
namespace fs = std::filesystem;

/// A fresh directory under the system's temporary directory, removed with everything in it at scope exit.
class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::string pattern = (fs::temp_directory_path() / "hetsched-hardware-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  const fs::path& path() const { return path_; }

  /// Writes `contents` to `relative`, creating the directories on the way.
  void write(const fs::path& relative, const std::string& contents) const {
    fs::create_directories((path_ / relative).parent_path());
    std::ofstream(path_ / relative) << contents;
  }

 private:
  fs::path path_;
};

int cores_for(std::string_view cpu_max) {
  auto quota = hetsched::detail::parse_cpu_max(cpu_max);
  return quota ? hetsched::detail::cores_for_quota(*quota) : -1;
}

TEST(CpuMax, FractionalQuotaRoundsUpToWholeCores) {
  auto quota = hetsched::detail::parse_cpu_max("150000 100000\n");
  ASSERT_TRUE(quota.has_value());
  EXPECT_EQ(quota->quota_us, 150000);
  EXPECT_EQ(quota->period_us, 100000);
  EXPECT_EQ(hetsched::detail::cores_for_quota(*quota), 2);
}

TEST(CpuMax, WholeQuotaGivesExactlyThatManyCores) { EXPECT_EQ(cores_for("400000 100000"), 4); }

TEST(CpuMax, TinyQuotaStillGivesOneCore) { EXPECT_EQ(cores_for("1000 100000"), 1); }

TEST(CpuMax, QuotaWithoutPeriodUsesTheKernelDefaultPeriod) { EXPECT_EQ(cores_for("250000"), 3); }

TEST(CpuMax, MaxMeansUnlimited) { EXPECT_FALSE(hetsched::detail::parse_cpu_max("max 100000\n").has_value()); }

TEST(CpuMax, MalformedContentMeansNoLimit) {
  for (std::string_view text : {"", "\n", "abc 100000", "-5 100000", "0 100000", "100000 0", "150000 100000x",
                                "1 2 3", "99999999999999999999999 100000"}) {
    EXPECT_FALSE(hetsched::detail::parse_cpu_max(text).has_value()) << "for \"" << text << "\"";
  }
}

TEST(MemoryMax, MaxMeansUnlimited) { EXPECT_FALSE(hetsched::detail::parse_memory_max("max\n").has_value()); }

TEST(MemoryMax, ByteCountIsTheLimit) {
  EXPECT_EQ(hetsched::detail::parse_memory_max("1073741824\n"), std::optional<std::size_t>(1073741824));
}

TEST(MemoryMax, MalformedContentMeansNoLimit) {
  for (std::string_view text : {"", "12abc", "-1", "0", "1 2", "maximum"}) {
    EXPECT_FALSE(hetsched::detail::parse_memory_max(text).has_value()) << "for \"" << text << "\"";
  }
}

TEST(Meminfo, MemTotalIsReadInKibibytes) {
  constexpr std::string_view meminfo =
      "MemFree:         1000 kB\n"
      "MemTotal:       24684092 kB\n"
      "MemAvailable:   20000000 kB\n";
  EXPECT_EQ(hetsched::detail::parse_meminfo_total(meminfo), std::optional<std::size_t>(24684092ull * 1024));
}

TEST(Meminfo, MissingOrMalformedMemTotalIsNothing) {
  EXPECT_FALSE(hetsched::detail::parse_meminfo_total("MemFree: 1000 kB\n").has_value());
  EXPECT_FALSE(hetsched::detail::parse_meminfo_total("MemTotal: lots kB\n").has_value());
  EXPECT_FALSE(hetsched::detail::parse_meminfo_total("MemTotal: 1000 MB\n").has_value());
  EXPECT_FALSE(hetsched::detail::parse_meminfo_total("").has_value());
}

TEST(ProcSelfCgroup, FindsTheUnifiedHierarchyLine) {
  constexpr std::string_view hybrid =
      "4:memory:/process_api/1287\n"
      "1:cpu:/\n"
      "0::/user.slice/session-3.scope\n";
  EXPECT_EQ(hetsched::detail::parse_cgroup_v2_path(hybrid), std::optional<std::string>("/user.slice/session-3.scope"));
  EXPECT_EQ(hetsched::detail::parse_cgroup_v2_path("0::/\n"), std::optional<std::string>("/"));
}

TEST(ProcSelfCgroup, CgroupV1OnlyHasNoUnifiedPath) {
  EXPECT_FALSE(hetsched::detail::parse_cgroup_v2_path("4:memory:/a\n1:cpu,cpuacct:/b\n").has_value());
  EXPECT_FALSE(hetsched::detail::parse_cgroup_v2_path("").has_value());
}

TEST(Affinity, CountsAtLeastOneCpu) {
  auto count = hetsched::detail::affinity_cpu_count();
  ASSERT_TRUE(count.has_value());
  EXPECT_GE(*count, 1);
}

TEST(CgroupReader, TightestLimitAlongThePathWins) {
  TemporaryDirectory root;
  root.write("cgroup.controllers", "cpu memory\n");
  root.write("job/cpu.max", "200000 100000\n");
  root.write("job/memory.max", "max\n");
  root.write("job/step/cpu.max", "max 100000\n");
  root.write("job/step/memory.max", "1048576\n");

  auto limits = hetsched::detail::read_cgroup_limits(root.path(), "/job/step");
  EXPECT_TRUE(limits.hierarchy_found);
  ASSERT_TRUE(limits.cpu_quota.has_value());
  EXPECT_EQ(hetsched::detail::cores_for_quota(*limits.cpu_quota), 2);
  EXPECT_EQ(limits.cpu_quota_dir, root.path() / "job");
  EXPECT_EQ(limits.memory_max, std::optional<std::size_t>(1048576));
  EXPECT_EQ(limits.memory_max_dir, root.path() / "job" / "step");
}

TEST(CgroupReader, ChildQuotaTighterThanParentWins) {
  TemporaryDirectory root;
  root.write("cgroup.controllers", "cpu\n");
  root.write("job/cpu.max", "400000 100000\n");
  root.write("job/step/cpu.max", "50000 50000\n");
  auto limits = hetsched::detail::read_cgroup_limits(root.path(), "/job/step");
  ASSERT_TRUE(limits.cpu_quota.has_value());
  EXPECT_EQ(hetsched::detail::cores_for_quota(*limits.cpu_quota), 1);
}

TEST(CgroupReader, MissingDirectoriesFallBackToTheMountedRoot) {
  // A container without its own cgroup namespace sees the host's path but has its cgroup mounted as the root.
  TemporaryDirectory root;
  root.write("cgroup.controllers", "cpu memory\n");
  root.write("cpu.max", "150000 100000\n");
  auto limits = hetsched::detail::read_cgroup_limits(root.path(), "/docker/0123abcd");
  ASSERT_TRUE(limits.cpu_quota.has_value());
  EXPECT_EQ(hetsched::detail::cores_for_quota(*limits.cpu_quota), 2);
  EXPECT_FALSE(limits.memory_max.has_value());
}

TEST(CgroupReader, PathOutsideTheMountReadsOnlyTheRoot) {
  TemporaryDirectory root;
  root.write("cgroup.controllers", "cpu\n");
  root.write("cpu.max", "300000 100000\n");
  root.write("elsewhere/cpu.max", "100000 100000\n");
  auto limits = hetsched::detail::read_cgroup_limits(root.path(), "/../elsewhere");
  ASSERT_TRUE(limits.cpu_quota.has_value());
  EXPECT_EQ(hetsched::detail::cores_for_quota(*limits.cpu_quota), 3);
}

TEST(CgroupReader, MalformedFilesMeanNoLimit) {
  TemporaryDirectory root;
  root.write("cgroup.controllers", "cpu memory\n");
  root.write("job/cpu.max", "lots\n");
  root.write("job/memory.max", "-7\n");
  auto limits = hetsched::detail::read_cgroup_limits(root.path(), "/job");
  EXPECT_TRUE(limits.hierarchy_found);
  EXPECT_FALSE(limits.cpu_quota.has_value());
  EXPECT_FALSE(limits.memory_max.has_value());
}

TEST(CgroupReader, DirectoryWithoutCgroupControllersIsNoHierarchy) {
  TemporaryDirectory root;
  root.write("cpu.max", "100000 100000\n");
  auto limits = hetsched::detail::read_cgroup_limits(root.path(), "/");
  EXPECT_FALSE(limits.hierarchy_found);
  EXPECT_FALSE(limits.cpu_quota.has_value());
}

TEST(CgroupReader, ReadsTheProcessCgroupFromProcSelfCgroup) {
  TemporaryDirectory root;
  root.write("cgroup.controllers", "cpu memory\n");
  root.write("app/cpu.max", "250000 100000\n");
  root.write("proc-self-cgroup", "1:cpu:/\n0::/app\n");
  auto limits = hetsched::detail::read_own_cgroup_limits(root.path(), root.path() / "proc-self-cgroup");
  ASSERT_TRUE(limits.cpu_quota.has_value());
  EXPECT_EQ(hetsched::detail::cores_for_quota(*limits.cpu_quota), 3);
}

TEST(CgroupReader, UnreadableProcSelfCgroupMeansNoLimits) {
  TemporaryDirectory root;
  root.write("cgroup.controllers", "cpu\n");
  root.write("cpu.max", "100000 100000\n");
  auto limits = hetsched::detail::read_own_cgroup_limits(root.path(), root.path() / "absent");
  EXPECT_FALSE(limits.hierarchy_found);
  EXPECT_FALSE(limits.cpu_quota.has_value());
}

TEST(DetectHardware, UsableCoresAreWithinTheOnlineCores) {
  hetsched::HardwareInfo info = hetsched::detect_hardware();
  EXPECT_GE(info.usable_cores, 1);
  EXPECT_LE(info.usable_cores, info.online_cores);
  EXPECT_FALSE(info.cores_note.empty());
}

TEST(DetectHardware, FindsSomeMemory) {
  hetsched::HardwareInfo info = hetsched::detect_hardware();
  EXPECT_GT(info.memory_bytes, 0u);
  EXPECT_FALSE(info.memory_note.empty());
}

TEST(DetectHardware, DescribesEachGpuOrSaysWhyThereIsNone) {
  hetsched::HardwareInfo info = hetsched::detect_hardware();
  EXPECT_FALSE(info.gpu_note.empty());
  for (std::size_t position = 0; position < info.gpus.size(); ++position) {
    const auto& gpu = info.gpus[position];
    EXPECT_EQ(gpu.index, static_cast<int>(position));
    EXPECT_FALSE(gpu.name.empty());
    EXPECT_GT(gpu.memory_bytes, 0u);
    EXPECT_GT(gpu.multiprocessors, 0);
    EXPECT_GE(gpu.compute_capability_major, 1);
    EXPECT_FALSE(gpu.pci_bus_id.empty());
  }
}

#if HETSCHED_HAVE_CUDA
TEST(GpuProbe, WithoutADeviceReportsTheCudaErrorByName) {
  auto probe = hetsched::detail::probe_gpus();
  if (!probe.gpus.empty()) GTEST_SKIP() << "this machine has a CUDA device: " << probe.note;
  EXPECT_NE(probe.note.find("cudaError"), std::string::npos) << probe.note;
}
#else
TEST(GpuProbe, WithoutCudaFindsNoGpuAndSaysSo) {
  auto probe = hetsched::detail::probe_gpus();
  EXPECT_TRUE(probe.gpus.empty());
  EXPECT_EQ(probe.note, "built without CUDA (HETSCHED_CUDA=OFF)");
}
#endif

}  // namespace
