// kernel_image_problem asks the driver, not a rule of thumb. The library's device_info.cu is compiled into this
// program on its own, for one architecture (HETSCHED_TEST_IMAGE): "sass_80" (machine code for sm_80 only), which
// runs on compute capability 8.x devices and nowhere else, or "ptx_80" (PTX for compute_80 only), which the driver
// compiles for any device of compute capability 8.0 or later. The old rule ("an architecture at or below the
// device's") called the sm_80-only build usable on sm_90.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "device_info.hpp"

#ifndef HETSCHED_TEST_IMAGE
#error "HETSCHED_TEST_IMAGE must name the architecture this program is built for"
#endif

namespace {

/// Whether a build of HETSCHED_TEST_IMAGE can run on a device of compute capability major.minor, by CUDA's rules.
bool runnable_on(int major, int minor) {
  const std::string image = HETSCHED_TEST_IMAGE;
  if (image == "sass_80") return major == 8;  // machine code runs on the same major version, same or later minor
  return 10 * major + minor >= 80;             // PTX is compiled forward by the driver
}

TEST(KernelImage, TheBuildNamesTheArchitectureItWasCompiledFor) {
  EXPECT_EQ(hetsched::detail::built_architectures(), "8.0");
}

TEST(KernelImage, EveryDeviceIsJudgedAsTheDriverRunsKernels) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    cudaGetLastError();
    GTEST_SKIP() << "no CUDA device: " << (status != cudaSuccess ? cudaGetErrorName(status) : "none found");
  }
  for (int device = 0; device < count; ++device) {
    const hetsched::GpuInfo gpu = hetsched::detail::describe_device(device);
    const std::optional<std::string> problem = hetsched::detail::kernel_image_problem(device);
    std::printf("%s build on device %d (%s, compute capability %d.%d): %s\n", HETSCHED_TEST_IMAGE, device,
                gpu.name.c_str(), gpu.compute_capability_major, gpu.compute_capability_minor,
                problem ? problem->c_str() : "runnable");
    if (runnable_on(gpu.compute_capability_major, gpu.compute_capability_minor)) {
      EXPECT_FALSE(problem.has_value()) << "device " << device << ": " << *problem;
    } else {
      ASSERT_TRUE(problem.has_value()) << "device " << device << " cannot run a " << HETSCHED_TEST_IMAGE
                                       << " build, yet it was reported usable";
      EXPECT_NE(problem->find("cudaError"), std::string::npos) << *problem;
    }
  }
}

}  // namespace
