/// @file variants.hpp
/// @brief `hetsched::variants(cpu_fn, gpu_fn)`: one task with a CPU body and a GPU body; the policy picks one per call.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

namespace hetsched {

/// Which body of a task runs (TaskContext::variant): the CPU one, or the one that runs on its GPUs.
enum class Variant : std::uint8_t {
  cpu,  ///< The body runs on the task's CPUs (a plain task without GPUs, or the CPU body of variants()).
  gpu   ///< The body runs with GPUs (a task asking for gpus(), or the GPU body of variants()).
};

/// Two implementations of one task, made by variants(). Both take the same arguments and return the same type.
template <class CpuBody, class GpuBody>
struct Variants {
  CpuBody cpu;  ///< Runs on CPUs: its demand is the builder's cpus() and resource().
  GpuBody gpu;  ///< Runs on a GPU: its demand is the builder's gpus() (default 1), gpu_memory() and resource().
};

/// One task with a CPU body and a GPU body: `rt.task(hetsched::variants(cpu_fn, gpu_fn)).cpus(1).gpus(0.5)`. Each
/// call runs one of them, chosen by the placement policy from the models and from what is free ("model" learns
/// which is faster; the others run the GPU body when a GPU is free and the CPU body otherwise). The body asks
/// `ctx.variant()` which one it is; on a logical GPU the GPU body runs on the host with a null `ctx.stream()`.
template <class CpuBody, class GpuBody>
Variants<std::decay_t<CpuBody>, std::decay_t<GpuBody>> variants(CpuBody&& cpu_body, GpuBody&& gpu_body) {
  return {std::forward<CpuBody>(cpu_body), std::forward<GpuBody>(gpu_body)};
}

namespace detail {
/// True for Variants<C, G>.
template <class F>
inline constexpr bool is_variants = false;
template <class C, class G>
inline constexpr bool is_variants<Variants<C, G>> = true;
}  // namespace detail

}  // namespace hetsched
