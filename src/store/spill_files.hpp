// The spill directory and its files. The directory is private (0700, a real directory owned by this user, never
// reached through a symbolic link); each file is created with O_EXCL | O_NOFOLLOW, mode 0600, and named
// hetsched-spill-<pid>-<sequence>.bin, so a later run can tell our leftovers from anything else and remove only
// those whose process is gone. A file holds the objects of one spill batch, each with an xxHash (XXH3-64) checksum
// verified when it is read back; it is removed when its last object is read back or freed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>

namespace hetsched::detail {

/// A spill file could not be made, written or read; the message names the path and the system's reason.
class SpillIoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One open spill file, appended to by one batch, then read back; unlinked when the last owner drops it.
class SpillFile {
 public:
  /// Adopts the open descriptors `fd` of `name` and `directory_fd` of its directory.
  SpillFile(int directory_fd, std::string path, std::string name, int fd) noexcept;
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;
  /// Closes and removes the file.
  ~SpillFile();

  /// Appends `bytes`; returns where they start. SpillIoError when the disk is full or the write fails.
  std::uint64_t append(std::span<const std::byte> bytes);
  /// Reads `out.size()` bytes at `offset`; SpillIoError when the file is shorter (truncated) or the read fails.
  void read(std::uint64_t offset, std::span<std::byte> out) const;
  /// The file's path, for messages.
  const std::string& path() const noexcept { return path_; }

 private:
  int directory_fd_;
  std::string path_;
  std::string name_;
  int fd_;
  std::uint64_t end_ = 0;  // appended by one batch, on one thread
};

/// Where one spilled object's bytes are: its file, their offset and length, and their checksum.
struct SpillRecord {
  std::shared_ptr<SpillFile> file;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::uint64_t checksum = 0;
};

/// The XXH3-64 checksum of `bytes`.
std::uint64_t spill_checksum(std::span<const std::byte> bytes) noexcept;

/// The spill directory of one runtime. Opened (made, checked) on the first spill. Thread-safe.
class SpillDirectory {
 public:
  /// The directory at `path` (absolute); no file system access yet.
  explicit SpillDirectory(std::string path) noexcept;
  SpillDirectory(const SpillDirectory&) = delete;
  SpillDirectory& operator=(const SpillDirectory&) = delete;
  ~SpillDirectory();

  /// Removes leftovers of crashed runs: files named like ours whose process is gone, owned by this user. Does nothing
  /// when the directory does not exist or is not private. Never throws.
  void remove_leftovers() noexcept;
  /// Closes the directory and removes it when empty (another run of this user may have files in it). Never throws.
  void close() noexcept;
  /// A new, empty spill file. SpillIoError saying what to change when the directory cannot be made, is not private,
  /// or the file cannot be created.
  std::shared_ptr<SpillFile> create_file();
  /// The directory's path.
  const std::string& path() const noexcept { return path_; }

 private:
  int open_directory();  // with mutex_ held

  std::string path_;
  std::mutex mutex_;
  int directory_fd_ = -1;
};

}  // namespace hetsched::detail
