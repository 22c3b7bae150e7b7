// The two kinds of device a performance model keeps apart: a task's run time on a CPU and on a GPU are separate
// histories, whichever CPU slots or GPU it ran on.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hetsched::detail {

/// Where a task variant ran, as far as its run time is concerned.
enum class DeviceKind : std::uint8_t { cpu, gpu };

/// The kind's name, as the model file spells it: "cpu" or "gpu".
constexpr std::string_view device_kind_name(DeviceKind kind) noexcept {
  return kind == DeviceKind::cpu ? "cpu" : "gpu";
}

/// The kind named `name` ("cpu" or "gpu"), or nothing for another name.
constexpr std::optional<DeviceKind> parse_device_kind(std::string_view name) noexcept {
  if (name == "cpu") return DeviceKind::cpu;
  if (name == "gpu") return DeviceKind::gpu;
  return std::nullopt;
}

}  // namespace hetsched::detail
