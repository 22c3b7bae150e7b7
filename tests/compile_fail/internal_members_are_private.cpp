// Compile-fail check: the constructors the library builds its public types with (an ObjectRef adopting a store entry,
// a TaskContext for one run of a task) are not callable by users. Built normally (without HETSCHED_COMPILE_FAIL) it
// must compile; with it, each is refused as private.
#include <hetsched/hetsched.hpp>

int main() {
  hetsched::Runtime rt;
  hetsched::ObjectRef<int> ref = rt.put(1);
#if defined(HETSCHED_COMPILE_FAIL)
  hetsched::ObjectRef<int> adopted(static_cast<hetsched::detail::TypedObject<int>*>(nullptr));
  (void)adopted;
#endif
  return rt.get(ref) == 1 ? 0 : 1;
}
