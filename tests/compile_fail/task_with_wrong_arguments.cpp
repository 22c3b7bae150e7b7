// Compile-fail check: a task whose callable cannot take the given arguments must not compile, with a message that
// says why. Built normally (without HETSCHED_COMPILE_FAIL) it must compile.
#include <hetsched/hetsched.hpp>

#include <string>

int main() {
  hetsched::Runtime rt;
  auto twice = [](int x) { return 2 * x; };
#if defined(HETSCHED_COMPILE_FAIL)
  auto ref = rt.task(twice).remote(std::string("not a number"));
#else
  auto ref = rt.task(twice).remote(21);
#endif
  return rt.get(ref) == 42 ? 0 : 1;
}
