// A GoogleTest fixture for tests on the simulated CUDA runtime (tests/sim_cuda): it resets the simulated machine
// before each test and fails the test on any violation the simulation saw.
#pragma once

#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <string>
#include <utility>

#include <hetsched/hetsched.hpp>
#include <sim_cuda/control.hpp>

namespace hetsched::test {

class SimulatedMachine : public ::testing::Test {
 protected:
  /// Resets the machine to `spec` (two default devices by default).
  explicit SimulatedMachine(sim::MachineSpec spec = two_devices()) { sim::reset(std::move(spec)); }
  ~SimulatedMachine() override {
    for (const std::string& line : sim::take_violations()) ADD_FAILURE() << line;
  }

  static sim::MachineSpec two_devices() {
    sim::MachineSpec spec;
    spec.devices.assign(2, sim::DeviceSpec{});
    return spec;
  }

  /// A configuration for `cpus` CPUs and the first `gpus` simulated devices, completing by `completion`.
  static hetsched::Config config(int cpus, int gpus, const char* completion = "events") {
    hetsched::Config config;
    config.num_cpus = cpus;
    config.num_gpus = gpus;
    config.read_environment = false;
    config.gpu_completion = completion;
    return config;
  }

  /// A kernel whose launch fails with `error`.
  static sim::Kernel failing_launch(cudaError_t error = cudaErrorInvalidConfiguration) {
    sim::Kernel kernel;
    kernel.launch_error = error;
    return kernel;
  }
};

}  // namespace hetsched::test
