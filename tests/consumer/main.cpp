// Uses hetsched the way a program outside the repository would: one include, one target.
#include <cstdio>
#include <stdexcept>

#include <hetsched/hetsched.hpp>

int main() {
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
