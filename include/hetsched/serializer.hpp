/// @file serializer.hpp
/// @brief Serializer<T>: how a value becomes bytes and back, so the object store can spill it to disk (and, later,
/// send it to another node).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace hetsched {

/// The one serialization trait. Specialize it for a type to make its objects spillable: past
/// Config::object_store_bytes the store writes the least recently used ones to disk and reads them back when they are
/// used. A type without a specialization is never spilled and counts against the budget for as long as it lives.
/// `std::vector<T>` and `std::basic_string<T>` of trivially copyable T (vector<bool> aside) come specialized; Buffers
/// are spilled by the store itself.
///
/// A specialization has three static functions, which must be thread-safe for distinct values:
/// @code
///   template <> struct hetsched::Serializer<Mesh> {
///     static std::size_t size(const Mesh& m);                        // bytes save() writes
///     static void save(const Mesh& m, std::span<std::byte> out);     // out.size() == size(m)
///     static Mesh load(std::span<const std::byte> in);               // in: what save() wrote
///   };
/// @endcode
/// load may throw (any exception) on bytes it cannot read; the object then fails to restore with ObjectLostError.
/// A type whose serialized bytes lie contiguous in memory may add `static std::span<const std::byte> view(const Mesh&)`
/// returning them (what save would write): the store then writes them from there, without a staging copy.
template <class T>
struct Serializer;

/// True when Serializer<T> is specialized with size, save and load of the right shapes.
template <class T>
concept serializable = requires(const T& value, std::span<std::byte> out, std::span<const std::byte> in) {
  { Serializer<T>::size(value) } -> std::convertible_to<std::size_t>;
  Serializer<T>::save(value, out);
  { Serializer<T>::load(in) } -> std::same_as<T>;
};

/// True when Serializer<T> also has `view(value)`: the bytes save would write, where they lie in memory, which the
/// store then writes to disk without copying them first. Optional.
template <class T>
concept viewable = serializable<T> && requires(const T& value) {
  { Serializer<T>::view(value) } -> std::convertible_to<std::span<const std::byte>>;
};

/// Vectors of trivially copyable elements: their bytes, as they are in memory.
template <class T, class Allocator>
  requires(std::is_trivially_copyable_v<T> && !std::is_same_v<T, bool>)
struct Serializer<std::vector<T, Allocator>> {
  /// The elements' bytes.
  static std::size_t size(const std::vector<T, Allocator>& value) noexcept { return value.size() * sizeof(T); }
  /// Copies the elements into `out`.
  static void save(const std::vector<T, Allocator>& value, std::span<std::byte> out) noexcept {
    if (!value.empty()) std::memcpy(out.data(), value.data(), out.size());
  }
  /// The elements' bytes where they are (what save writes).
  static std::span<const std::byte> view(const std::vector<T, Allocator>& value) noexcept {
    return std::as_bytes(std::span<const T>(value.data(), value.size()));
  }
  /// A vector of the elements in `in` (whose size must be a multiple of sizeof(T)).
  static std::vector<T, Allocator> load(std::span<const std::byte> in) {
    std::vector<T, Allocator> value(in.size() / sizeof(T));
    if (!value.empty()) std::memcpy(value.data(), in.data(), value.size() * sizeof(T));
    return value;
  }
};

/// Strings of trivially copyable characters: their characters, without the terminator.
template <class C, class Traits, class Allocator>
  requires std::is_trivially_copyable_v<C>
struct Serializer<std::basic_string<C, Traits, Allocator>> {
  /// The characters' bytes.
  static std::size_t size(const std::basic_string<C, Traits, Allocator>& value) noexcept {
    return value.size() * sizeof(C);
  }
  /// Copies the characters into `out`.
  static void save(const std::basic_string<C, Traits, Allocator>& value, std::span<std::byte> out) noexcept {
    if (!value.empty()) std::memcpy(out.data(), value.data(), out.size());
  }
  /// The characters' bytes where they are (what save writes).
  static std::span<const std::byte> view(const std::basic_string<C, Traits, Allocator>& value) noexcept {
    return std::as_bytes(std::span<const C>(value.data(), value.size()));
  }
  /// A string of the characters in `in`.
  static std::basic_string<C, Traits, Allocator> load(std::span<const std::byte> in) {
    std::basic_string<C, Traits, Allocator> value(in.size() / sizeof(C), C{});
    if (!value.empty()) std::memcpy(value.data(), in.data(), value.size() * sizeof(C));
    return value;
  }
};

}  // namespace hetsched
