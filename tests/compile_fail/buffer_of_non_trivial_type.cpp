// Compile-fail check: a Buffer of a type that is not trivially copyable (its bytes could not be copied between host
// and GPU memory) must not compile, with a message that says so. Built normally it must compile.
#include <hetsched/hetsched.hpp>

#include <string>
#include <vector>

int main() {
  hetsched::Runtime rt;
#if defined(HETSCHED_COMPILE_FAIL)
  auto ref = rt.put_buffer(std::vector<std::string>{"a", "b"});
#else
  auto ref = rt.put_buffer(std::vector<char>{'a', 'b'});
#endif
  return rt.get(ref).size() == 2 ? 0 : 1;
}
