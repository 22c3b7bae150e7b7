// What every fuzz target shares: the entry point's signature, a check that stops the run with a message, and a
// scratch file for parsers that read a path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

/// The libFuzzer entry point each target defines (replay_main.cpp calls it on every seed file).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace hetsched::fuzz {

/// Aborts with `what` when `condition` is false: a broken contract is a finding, like a crash.
inline void require(bool condition, std::string_view what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz contract broken: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

/// The input as text (it may hold any byte, NUL included).
inline std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// Writes `text` to this process's scratch file for `target` and returns its path (the same path on every call, so
/// a long run leaves one file, removed at exit).
inline const std::string& scratch_file(const char* target, std::string_view text) {
  static const std::string path = [&] {
    std::string name = "/tmp/hetsched-fuzz-" + std::string(target) + "-" + std::to_string(::getpid()) + ".json";
    static std::string removed_at_exit;
    removed_at_exit = name;
    std::atexit([] { std::remove(removed_at_exit.c_str()); });
    return name;
  }();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  require(static_cast<bool>(out), "the scratch file could not be written");
  return path;
}

}  // namespace hetsched::fuzz
