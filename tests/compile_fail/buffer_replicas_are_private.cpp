// Compile-fail check: a Buffer's adopting constructor (replicas the library made) is the library's, not the user's.
// Built normally (without HETSCHED_COMPILE_FAIL) it must compile; with it, the constructor is refused as private.
#include <hetsched/hetsched.hpp>

#include <vector>

int main() {
  hetsched::Runtime rt;
  auto ref = rt.put_buffer(std::vector<int>{1, 2, 3});
#if defined(HETSCHED_COMPILE_FAIL)
  hetsched::Buffer<int> forged(hetsched::detail::BufferHandle(), nullptr, 3);
  (void)forged;
#endif
  return rt.get(ref).size() == 3 ? 0 : 1;
}
