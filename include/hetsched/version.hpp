/// @file version.hpp
/// @brief The library version.
#pragma once

namespace hetsched {
/// Major, minor and patch version of this hetsched.
inline constexpr int version_major = 0, version_minor = 1, version_patch = 0;
/// The version as text.
inline constexpr const char* version_string = "0.1.0";
}  // namespace hetsched
