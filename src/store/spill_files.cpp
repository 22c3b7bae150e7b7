#include "store/spill_files.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hetsched::detail {
namespace {

constexpr std::string_view file_prefix = "hetsched-spill-";
constexpr std::string_view file_suffix = ".bin";

std::atomic<std::uint64_t> next_file_sequence{1};

std::string reason(int error) {
  if (error == ENOSPC || error == EFBIG || error == EDQUOT) return std::strerror(error) + std::string(" (disk full?)");
  return std::strerror(error);
}

/// The pid in a name of ours (hetsched-spill-<pid>-<sequence>.bin), or 0 when it is not one.
pid_t owner_pid(std::string_view name) {
  if (!name.starts_with(file_prefix) || !name.ends_with(file_suffix)) return 0;
  name.remove_prefix(file_prefix.size());
  name.remove_suffix(file_suffix.size());
  auto dash = name.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return 0;
  for (char c : name) {
    if (c != '-' && (c < '0' || c > '9')) return 0;
  }
  long pid = 0;
  for (char c : name.substr(0, dash)) pid = pid * 10 + (c - '0');
  return pid > 0 && pid < (1L << 22) ? static_cast<pid_t>(pid) : 0;
}

bool process_is_gone(pid_t pid) { return ::kill(pid, 0) == -1 && errno == ESRCH; }

/// Why the directory `info` describes cannot hold our files, or empty.
std::string private_problem(const struct stat& info) {
  if (S_ISLNK(info.st_mode)) return "is a symbolic link";
  if (!S_ISDIR(info.st_mode)) return "is not a directory";
  if (info.st_uid != ::geteuid()) return "belongs to another user";
  if ((info.st_mode & 077) != 0) return "is accessible to other users (chmod 700 it)";
  return {};
}

}  // namespace

std::uint64_t spill_checksum(std::span<const std::byte> bytes) noexcept { return XXH3_64bits(bytes.data(), bytes.size()); }

SpillFile::SpillFile(int directory_fd, std::string path, std::string name, int fd) noexcept
    : directory_fd_(directory_fd), path_(std::move(path)), name_(std::move(name)), fd_(fd) {}

SpillFile::~SpillFile() {
  ::close(fd_);
  ::unlinkat(directory_fd_, name_.c_str(), 0);
  ::close(directory_fd_);
}

std::uint64_t SpillFile::append(std::span<const std::byte> bytes) {
  const std::uint64_t start = end_;
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t wrote = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(end_ + done));
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      int error = wrote < 0 ? errno : ENOSPC;
      throw SpillIoError("cannot write " + std::to_string(bytes.size()) + " bytes to the spill file " + path_ + ": " +
                         reason(error));
    }
    done += static_cast<std::size_t>(wrote);
  }
  end_ += bytes.size();
  return start;
}

void SpillFile::read(std::uint64_t offset, std::span<std::byte> out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t got = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw SpillIoError("cannot read the spill file " + path_ + ": " + reason(errno));
    if (got == 0) {
      throw SpillIoError("the spill file " + path_ + " is truncated: " + std::to_string(offset + done) +
                         " bytes long, the object needs up to byte " + std::to_string(offset + out.size()));
    }
    done += static_cast<std::size_t>(got);
  }
}

SpillDirectory::SpillDirectory(std::string path) noexcept : path_(std::move(path)) {}

SpillDirectory::~SpillDirectory() { close(); }

void SpillDirectory::close() noexcept {
  std::lock_guard lock(mutex_);
  if (directory_fd_ < 0) return;
  ::close(std::exchange(directory_fd_, -1));
  ::rmdir(path_.c_str());
}

void SpillDirectory::remove_leftovers() noexcept {
  struct stat info {};
  if (::lstat(path_.c_str(), &info) != 0 || !private_problem(info).empty()) return;
  int fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  DIR* listing = ::fdopendir(fd);
  if (!listing) {
    ::close(fd);
    return;
  }
  while (const dirent* item = ::readdir(listing)) {
    pid_t pid = owner_pid(item->d_name);
    if (pid == 0 || pid == ::getpid() || !process_is_gone(pid)) continue;
    struct stat file {};
    if (::fstatat(fd, item->d_name, &file, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISREG(file.st_mode) && file.st_uid == ::geteuid()) ::unlinkat(fd, item->d_name, 0);
  }
  ::closedir(listing);  // closes fd
}

int SpillDirectory::open_directory() {
  if (directory_fd_ >= 0) return directory_fd_;
  if (::mkdir(path_.c_str(), 0700) != 0 && errno != EEXIST) {
    throw SpillIoError("cannot make the spill directory " + path_ + ": " + reason(errno) +
                       "; set Config::spill_dir or HETSCHED_SPILL_DIR to a directory you can write");
  }
  struct stat info {};
  if (::lstat(path_.c_str(), &info) != 0) {
    throw SpillIoError("cannot inspect the spill directory " + path_ + ": " + reason(errno));
  }
  if (std::string problem = private_problem(info); !problem.empty()) {
    throw SpillIoError("the spill directory " + path_ + " " + problem +
                       "; spill files must be private: point Config::spill_dir or HETSCHED_SPILL_DIR at a directory "
                       "of your own with mode 0700 (or a path that does not exist yet)");
  }
  int fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) throw SpillIoError("cannot open the spill directory " + path_ + ": " + reason(errno));
  // What was opened is checked again: the path may have been replaced between lstat and open.
  struct stat opened {};
  if (::fstat(fd, &opened) != 0 || !private_problem(opened).empty() || opened.st_ino != info.st_ino ||
      opened.st_dev != info.st_dev) {
    ::close(fd);
    throw SpillIoError("the spill directory " + path_ + " changed while it was being opened; spill files must be "
                       "private: point Config::spill_dir or HETSCHED_SPILL_DIR at a directory only you can change");
  }
  directory_fd_ = fd;
  return fd;
}

std::shared_ptr<SpillFile> SpillDirectory::create_file() {
  std::lock_guard lock(mutex_);
  int directory = open_directory();
  std::string name = std::string(file_prefix) + std::to_string(::getpid()) + "-" +
                     std::to_string(next_file_sequence.fetch_add(1, std::memory_order_relaxed)) +
                     std::string(file_suffix);
  int fd = ::openat(directory, name.c_str(), O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
  std::string path = path_ + "/" + name;
  if (fd < 0) {
    throw SpillIoError("cannot create the spill file " + path + ": " + reason(errno) +
                       "; set Config::spill_dir or HETSCHED_SPILL_DIR to a directory you can write");
  }
  int own_directory = ::fcntl(directory, F_DUPFD_CLOEXEC, 0);  // the file may outlive this object
  if (own_directory < 0) {
    ::unlinkat(directory, name.c_str(), 0);
    ::close(fd);
    throw SpillIoError("cannot create the spill file " + path + ": " + reason(errno));
  }
  return std::make_shared<SpillFile>(own_directory, std::move(path), std::move(name), fd);
}

}  // namespace hetsched::detail
