// Compile-fail check: passing a buffer's ref to a task without declaring how the task uses it must not compile, with
// a message naming read / write / read_write. Built normally (without HETSCHED_COMPILE_FAIL) it must compile.
#include <hetsched/hetsched.hpp>

#include <span>
#include <vector>

int main() {
  hetsched::Runtime rt;
  auto ref = rt.put_buffer(std::vector<int>{1, 2, 3});
  auto first = [](std::span<const int> values) { return values[0]; };
#if defined(HETSCHED_COMPILE_FAIL)
  auto value = rt.task(first).remote(ref);
#else
  auto value = rt.task(first).remote(hetsched::read(ref));
#endif
  return rt.get(value) == 1 ? 0 : 1;
}
