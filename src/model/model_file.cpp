#include "model/model_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>

#include "hetsched/error.hpp"
#include "model/sample_window.hpp"
#include "model/size_bucket.hpp"

namespace hetsched::detail {
namespace {

using nlohmann::json;

constexpr const char* format_name = "hetsched-perf-model";

/// `text` on one line, at most `most` characters (for messages quoting the file or an exception).
std::string one_line(std::string text, std::size_t most = 200) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (text.size() > most) text = text.substr(0, most) + "...";
  return text;
}

/// A value from the file as a message quotes it: its JSON, shortened.
std::string shown(const json& value) {
  return one_line(value.dump(-1, ' ', false, json::error_handler_t::replace), 60);
}

[[noreturn]] void reject(const std::string& where, const std::string& problem) {
  throw ModelFileError(where + ": " + problem);
}

const json& member(const json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end()) reject(where, std::string("no \"") + key + "\"");
  return *it;
}

const json& object_member(const json& object, const char* key, const std::string& where) {
  const json& value = member(object, key, where);
  if (!value.is_object()) reject(where + "." + key, std::string("an object expected, found ") + value.type_name());
  return value;
}

const json& array_member(const json& object, const char* key, const std::string& where) {
  const json& value = member(object, key, where);
  if (!value.is_array()) reject(where + "." + key, std::string("an array expected, found ") + value.type_name());
  return value;
}

std::uint64_t unsigned_member(const json& object, const char* key, const std::string& where, std::uint64_t most) {
  const json& value = member(object, key, where);
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() > most) {
    reject(where + "." + key, "a whole number from 0 to " + std::to_string(most) + " expected, found " + shown(value));
  }
  return value.get<std::uint64_t>();
}

/// A finite number >= `least` (and > 0 when `positive`).
double number(const json& value, const std::string& where, double least, bool positive) {
  if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < least ||
      (positive && !(value.get<double>() > 0))) {
    reject(where, std::string(positive ? "a positive" : "a non-negative") + " number expected, found " + shown(value));
  }
  return value.get<double>();
}

double number_member(const json& object, const char* key, const std::string& where, double least = 0) {
  return number(member(object, key, where), where + "." + key, least, false);
}

Bandwidths decode_bandwidths(const json& object) {
  const std::string where = "bandwidths";
  Bandwidths bandwidths;
  bandwidths.host_to_device = number_member(object, "host_to_device", where);
  bandwidths.device_to_host = number_member(object, "device_to_host", where);
  bandwidths.device_to_device = number_member(object, "device_to_device", where);
  bandwidths.latency_s = number_member(object, "latency_s", where);
  const json& measured = member(object, "measured", where);
  if (!measured.is_boolean()) reject(where + ".measured", "true or false expected, found " + shown(measured));
  bandwidths.measured = measured.get<bool>();
  return bandwidths;
}

BucketRecord decode_bucket(const json& object, const std::string& where) {
  if (!object.is_object()) reject(where, std::string("an object expected, found ") + object.type_name());
  BucketRecord bucket;
  bucket.bucket = static_cast<std::uint32_t>(unsigned_member(object, "bucket", where, size_bucket_count - 1));
  bucket.bytes = number_member(object, "bytes", where, 1);
  bucket.count = unsigned_member(object, "count", where, std::numeric_limits<std::uint64_t>::max());
  const json& seconds = array_member(object, "seconds", where);
  if (seconds.empty() || seconds.size() > SampleWindow::capacity || seconds.size() > bucket.count) {
    reject(where + ".seconds", "1 to " + std::to_string(SampleWindow::capacity) + " samples, and no more than count (" +
                                   std::to_string(bucket.count) + "), expected; found " +
                                   std::to_string(seconds.size()));
  }
  for (std::size_t i = 0; i < seconds.size(); ++i) {
    bucket.seconds.push_back(number(seconds[i], where + ".seconds[" + std::to_string(i) + "]", 0, true));
  }
  return bucket;
}

SeriesRecord decode_series(const json& object, const std::string& where) {
  if (!object.is_object()) reject(where, std::string("an object expected, found ") + object.type_name());
  SeriesRecord series;
  series.variant = static_cast<int>(unsigned_member(object, "variant", where, std::numeric_limits<int>::max()));
  const json& kind = member(object, "kind", where);
  std::optional<DeviceKind> parsed = kind.is_string() ? parse_device_kind(kind.get<std::string>()) : std::nullopt;
  if (!parsed) reject(where + ".kind", "\"cpu\" or \"gpu\" expected, found " + shown(kind));
  series.kind = *parsed;
  const json& buckets = array_member(object, "buckets", where);
  std::set<std::uint32_t> seen;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    std::string at = where + ".buckets[" + std::to_string(i) + "]";
    series.buckets.push_back(decode_bucket(buckets[i], at));
    if (!seen.insert(series.buckets.back().bucket).second) reject(at, "a bucket given twice");
  }
  return series;
}

TaskRecord decode_task(const json& object, const std::string& where) {
  if (!object.is_object()) reject(where, std::string("an object expected, found ") + object.type_name());
  TaskRecord task;
  const json& name = member(object, "name", where);
  if (!name.is_string() || name.get<std::string>().empty()) {
    reject(where + ".name", "a non-empty string expected, found " + shown(name));
  }
  task.name = name.get<std::string>();
  const json& series = array_member(object, "series", where);
  std::set<std::pair<int, DeviceKind>> seen;
  for (std::size_t i = 0; i < series.size(); ++i) {
    std::string at = where + ".series[" + std::to_string(i) + "]";
    task.series.push_back(decode_series(series[i], at));
    if (!seen.insert({task.series.back().variant, task.series.back().kind}).second) {
      reject(at, "a (variant, kind) given twice");
    }
  }
  return task;
}

}  // namespace

std::string encode_model(const ModelRecord& model) {
  json tasks = json::array();
  for (const TaskRecord& task : model.tasks) {
    json series = json::array();
    for (const SeriesRecord& entry : task.series) {
      json buckets = json::array();
      for (const BucketRecord& bucket : entry.buckets) {
        buckets.push_back(
            {{"bucket", bucket.bucket}, {"bytes", bucket.bytes}, {"count", bucket.count}, {"seconds", bucket.seconds}});
      }
      series.push_back({{"variant", entry.variant},
                        {"kind", std::string(device_kind_name(entry.kind))},
                        {"buckets", std::move(buckets)}});
    }
    tasks.push_back({{"name", task.name}, {"series", std::move(series)}});
  }
  const Bandwidths& links = model.bandwidths;
  json file = {{"format", format_name},
               {"version", model_file_version},
               {"bandwidths",
                {{"host_to_device", links.host_to_device},
                 {"device_to_host", links.device_to_host},
                 {"device_to_device", links.device_to_device},
                 {"latency_s", links.latency_s},
                 {"measured", links.measured}}},
               {"tasks", std::move(tasks)}};
  // A task name that is not UTF-8 is written with U+FFFD in place of its bad bytes (JSON text must be UTF-8).
  return file.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

ModelRecord decode_model(std::string_view text) {
  json file;
  try {
    file = json::parse(text);
  } catch (const json::exception& error) {
    throw ModelFileError("not valid JSON (" + one_line(error.what()) + ")");
  }
  if (!file.is_object()) throw ModelFileError(std::string("a JSON object expected, found ") + file.type_name());
  auto format = file.find("format");
  if (format == file.end() || *format != format_name) {
    throw ModelFileError(std::string("not a hetsched performance model (no \"format\": \"") + format_name + "\")");
  }
  const json& version = member(file, "version", "file");
  if (version != model_file_version) {
    throw ModelFileError("written in format version " + shown(version) + "; this build reads version " +
                         std::to_string(model_file_version));
  }
  ModelRecord model;
  model.bandwidths = decode_bandwidths(object_member(file, "bandwidths", "file"));
  const json& tasks = array_member(file, "tasks", "file");
  std::set<std::string> names;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    std::string at = "tasks[" + std::to_string(i) + "]";
    model.tasks.push_back(decode_task(tasks[i], at));
    if (!names.insert(model.tasks.back().name).second) reject(at, "the task name given twice");
  }
  return model;
}

std::optional<ModelRecord> read_model_file(const std::string& path) {
  std::error_code error;
  auto type = std::filesystem::status(path, error).type();
  if (type == std::filesystem::file_type::not_found) return std::nullopt;
  if (type == std::filesystem::file_type::directory) throw ModelFileError("a directory, not a file");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ModelFileError(std::string("cannot be opened (") + std::strerror(errno) + ")");
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw ModelFileError("cannot be read");
  return decode_model(text.str());
}

void write_model_file(const std::string& path, const ModelRecord& model) {
  static std::atomic<unsigned> next_temporary{0};
  std::string text = encode_model(model);
  std::string temporary = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(next_temporary++);
  auto fail = [&](const char* step) {
    std::string reason = std::strerror(errno);
    std::remove(temporary.c_str());
    throw UsageError("cannot write the performance model to '" + path + "' (" + step + " " + temporary + ": " + reason +
                     "); set Config::perf_model_path or HETSCHED_PERF_MODEL to a file in a writable directory");
  };
  int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (descriptor < 0) fail("creating");
  for (std::size_t written = 0; written < text.size();) {
    ssize_t step = ::write(descriptor, text.data() + written, text.size() - written);
    if (step < 0 && errno == EINTR) continue;
    if (step < 0) {
      ::close(descriptor);
      fail("writing");
    }
    written += static_cast<std::size_t>(step);
  }
  if (::fsync(descriptor) != 0) {
    ::close(descriptor);
    fail("flushing");
  }
  if (::close(descriptor) != 0) fail("closing");
  if (std::rename(temporary.c_str(), path.c_str()) != 0) fail("renaming");
}

}  // namespace hetsched::detail
