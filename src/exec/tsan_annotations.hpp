// Tells ThreadSanitizer about a hand-off it cannot see: libtbb.so is not instrumented, so the happens-before edge
// from task_arena::enqueue to the worker that runs the enqueued functor is invisible to it. No-ops elsewhere.
#pragma once

#if defined(__SANITIZE_THREAD__)
extern "C" void AnnotateHappensBefore(const char* file, int line, const volatile void* address);
extern "C" void AnnotateHappensAfter(const char* file, int line, const volatile void* address);
#endif

namespace hetsched::detail {

/// Marks the release side of a hand-off through uninstrumented code.
inline void annotate_happens_before([[maybe_unused]] const void* address) noexcept {
#if defined(__SANITIZE_THREAD__)
  AnnotateHappensBefore(__FILE__, __LINE__, address);
#endif
}

/// Marks the acquire side of the same hand-off.
inline void annotate_happens_after([[maybe_unused]] const void* address) noexcept {
#if defined(__SANITIZE_THREAD__)
  AnnotateHappensAfter(__FILE__, __LINE__, address);
#endif
}

}  // namespace hetsched::detail
