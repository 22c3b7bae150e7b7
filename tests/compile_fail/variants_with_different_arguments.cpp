// Compile-fail check: the two bodies of variants(cpu_fn, gpu_fn) must take the same arguments, and hetsched says so.
// Built normally (without HETSCHED_COMPILE_FAIL) it must compile.
#include <hetsched/hetsched.hpp>

#include <string>

int main() {
  hetsched::Runtime rt;
  auto on_cpu = [](int x) { return 2 * x; };
#if defined(HETSCHED_COMPILE_FAIL)
  auto on_gpu = [](const std::string& text) { return static_cast<int>(text.size()); };
#else
  auto on_gpu = [](int x) { return x + x; };
#endif
  auto ref = rt.task(hetsched::variants(on_cpu, on_gpu)).remote(21);
  return rt.get(ref) == 42 ? 0 : 1;
}
