// Uses hetsched the way a program outside the repository would: one include, one target.
#include <cstdio>
#include <stdexcept>
#include <string>

#include <hetsched/hetsched.hpp>

// The test's preamble asked for CMAKE_CXX_EXTENSIONS OFF: make sure it reached this file's compile line.
#if defined(HETSCHED_CONSUMER_EXPECT_NO_EXTENSIONS) && defined(__GNUC__) && !defined(__STRICT_ANSI__)
#error "the consumer's preamble sets CMAKE_CXX_EXTENSIONS OFF, yet this file is compiled with GNU extensions"
#endif

int main() {
#ifdef HETSCHED_CONSUMER_EXPECT_CUDA
  // The library without its CUDA layer says so in gpu_note (src/hardware/gpu_probe_none.cpp).
  const std::string gpu_note = hetsched::detect_hardware().gpu_note;
  const bool has_cuda_layer = gpu_note.rfind("built without CUDA", 0) != 0;
  if (has_cuda_layer != static_cast<bool>(HETSCHED_CONSUMER_EXPECT_CUDA)) {
    std::fprintf(stderr, "expected hetsched %s its CUDA layer; gpu_note: %s\n",
                 HETSCHED_CONSUMER_EXPECT_CUDA ? "with" : "without", gpu_note.c_str());
    return 1;
  }
#endif

  hetsched::Config config;
  config.num_cpus = 2;
  config.read_environment = false;
  hetsched::Runtime rt{config};

  auto doubled = rt.task([](int x) { return x * 2; }).name("double").remote(21);
  auto plus_one = rt.task([](const int& x) { return x + 1; }).remote(doubled);
  int value = rt.get(plus_one);
  if (value != 43) {
    std::fprintf(stderr, "expected 43, got %d\n", value);
    return 1;
  }

  // The exception types cross the library boundary intact.
  auto failing = rt.task([]() -> int { throw std::runtime_error("expected failure"); }).name("fails").remote();
  try {
    rt.get(failing);
    std::fprintf(stderr, "a failing task did not throw\n");
    return 1;
  } catch (const hetsched::TaskError& error) {
    if (error.task_name() != "fails" || error.message() != "expected failure") {
      std::fprintf(stderr, "unexpected TaskError: %s\n", error.what());
      return 1;
    }
  }

  std::printf("hetsched %s consumer: ok\n", hetsched::version_string);
  return 0;
}
