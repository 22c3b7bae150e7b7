// The performance model file: versioned JSON holding the measured bandwidths and, per task name, the run-time
// history of each (variant, device kind), bucket by bucket.
//
//   {"format": "hetsched-perf-model", "version": 1,
//    "bandwidths": {"host_to_device": 2.5e10, "device_to_host": 2.6e10, "device_to_device": 0, "latency_s": 1e-5,
//                   "measured": true},
//    "tasks": [{"name": "gemm", "series": [{"variant": 1, "kind": "gpu", "buckets": [
//                {"bucket": 92, "bytes": 25165824, "count": 40, "seconds": [0.0011, 0.0010, ...]}]}]}]}
//
// Reading checks everything (types, ranges, duplicates) before anything is used; a file that fails any check is
// rejected whole. Fields this version does not know are ignored; another "version" is rejected (its meaning may
// differ), so changing what a field means or how sizes are bucketed must bump model_file_version.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "resources/bandwidths.hpp"
#include "model/device_kind.hpp"
#include "model/run_time_series.hpp"

namespace hetsched::detail {

/// The version this build writes and the only one it reads.
inline constexpr int model_file_version = 1;

/// The history of one (variant, device kind) of a task.
struct SeriesRecord {
  int variant = 0;                    ///< the variant's index in its task (>= 0)
  DeviceKind kind = DeviceKind::cpu;  ///< the kind of device it ran on
  std::vector<BucketRecord> buckets;  ///< distinct buckets
};

/// A task's histories, under its name (ids are per run; names are what stays the same from run to run).
struct TaskRecord {
  std::string name;                  ///< the task's name (not empty)
  std::vector<SeriesRecord> series;  ///< distinct (variant, kind)
};

/// Everything a model file holds.
struct ModelRecord {
  Bandwidths bandwidths;          ///< the measured links (measured false when the file had none)
  std::vector<TaskRecord> tasks;  ///< distinct names
};

/// Why a model file cannot be used, in one line.
class ModelFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The JSON text of `model`.
std::string encode_model(const ModelRecord& model);
/// The model in `text`; throws ModelFileError saying what is wrong (not JSON, truncated, a field missing or of the
/// wrong type or out of range, a duplicate, another format or version).
ModelRecord decode_model(std::string_view text);

/// The model in the file at `path`, or nothing when there is no file there; throws ModelFileError when the file
/// cannot be read or decoded.
std::optional<ModelRecord> read_model_file(const std::string& path);
/// Writes `model` to `path` atomically: to a temporary file beside it, flushed to disk, then renamed over `path`, so
/// a crash leaves the old file or the new one, never a part. Throws UsageError naming the path and the reason.
void write_model_file(const std::string& path, const ModelRecord& model);

}  // namespace hetsched::detail
