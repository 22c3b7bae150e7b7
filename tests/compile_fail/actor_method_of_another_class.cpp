// Compile-fail check: calling a method of another class through an ActorHandle must not compile.
// Built normally (without HETSCHED_COMPILE_FAIL) it must compile, which proves the rest of the file is sound.
#include <hetsched/hetsched.hpp>

struct Counter {
  int increment() { return ++value; }
  int value = 0;
};

struct Unrelated {
  int method() { return 1; }
};

int main() {
  hetsched::Runtime rt;
  auto counter = rt.actor<Counter>().remote();
#if defined(HETSCHED_COMPILE_FAIL)
  auto ref = counter.call(&Unrelated::method);
#else
  auto ref = counter.call(&Counter::increment);
#endif
  return rt.get(ref) == 1 ? 0 : 1;
}
