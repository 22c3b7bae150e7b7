/// @file detail/buffer_handle.hpp
/// @brief The pieces of a buffer the templates carry around: the owning handle on its replicas, the binding a task
/// body reads its span from, and the access modes. Not API (except hetsched::Access).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

namespace hetsched {

/// How a task uses a buffer it declared: hetsched::read, hetsched::write or hetsched::read_write.
enum class Access : std::uint8_t {
  read,       ///< The body reads the buffer; its replica is made valid first.
  write,      ///< The body overwrites every element; nothing is copied in, other replicas become invalid.
  read_write  ///< Both: the replica is made valid first, and other replicas become invalid.
};

}  // namespace hetsched

namespace hetsched::detail {

class BufferData;  // the replicas and their coherence states (src/store/buffer_data.hpp)

/// Adds a reference to a buffer's replicas.
void retain_buffer_data(BufferData* data) noexcept;
/// Drops a reference; the last one frees every replica.
void release_buffer_data(BufferData* data) noexcept;

/// Owns one reference to a buffer's replicas (null for an empty buffer). Move-only.
class BufferHandle {
 public:
  BufferHandle() = default;
  /// Adopts a reference the caller owns.
  explicit BufferHandle(BufferData* data) noexcept : data_(data) {}
  BufferHandle(BufferHandle&& other) noexcept : data_(std::exchange(other.data_, nullptr)) {}
  BufferHandle& operator=(BufferHandle&& other) noexcept {
    if (this != &other) {
      reset();
      data_ = std::exchange(other.data_, nullptr);
    }
    return *this;
  }
  BufferHandle(const BufferHandle&) = delete;
  BufferHandle& operator=(const BufferHandle&) = delete;
  ~BufferHandle() { reset(); }

  /// A second reference to the same replicas.
  BufferHandle share() const noexcept {
    if (data_) retain_buffer_data(data_);
    return BufferHandle(data_);
  }
  /// Drops the reference.
  void reset() noexcept {
    if (data_) release_buffer_data(std::exchange(data_, nullptr));
  }
  /// The replicas (null for an empty buffer).
  BufferData* get() const noexcept { return data_; }

 private:
  BufferData* data_ = nullptr;
};

/// Where the runtime put the replica a task body sees; filled just before the body runs.
struct BufferBinding {
  std::byte* memory = nullptr;  ///< The replica on the task's memory node.
  std::size_t bytes = 0;        ///< Its size.
};

/// A new buffer's replicas and the memory of the replica it starts with.
struct BufferAllocation {
  BufferHandle handle;          ///< Owns the replicas.
  std::byte* memory = nullptr;  ///< The initial (owner) replica.
  std::size_t count = 0;        ///< Elements.
};

}  // namespace hetsched::detail
