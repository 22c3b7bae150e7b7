// decode_model (the perf-model file, Config::perf_model_path / HETSCHED_PERF_MODEL) and the histories a load builds
// from it. Contract: a ModelRecord or a ModelFileError (the type PerfModel::load turns into a warning). Where the
// decode succeeds: encoding it and decoding again gives the same text (entries, bandwidths, every sample), and the
// histories built from its buckets hold the same samples and predict no NaN.
#include <cmath>
#include <string>

#include "fuzz_support.hpp"
#include "model/model_file.hpp"
#include "model/run_time_series.hpp"

namespace {

using hetsched::fuzz::require;
namespace detail = hetsched::detail;

void check_histories(const detail::ModelRecord& model) {
  for (const detail::TaskRecord& task : model.tasks) {
    for (const detail::SeriesRecord& series : task.series) {
      detail::RunTimeSeries history(3);
      history.assign(series.buckets);
      std::vector<detail::BucketRecord> back = history.to_records();
      require(back.size() == series.buckets.size(), "a history lost or gained buckets");
      for (const detail::BucketRecord& bucket : back) {
        bool found = false;
        for (const detail::BucketRecord& given : series.buckets) {
          if (given.bucket != bucket.bucket) continue;
          found = true;
          require(given.count == bucket.count && given.seconds == bucket.seconds, "a bucket's samples changed");
        }
        require(found, "a history holds a bucket the file did not give");
      }
      for (std::uint64_t bytes : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{4096}, std::uint64_t{1} << 40,
                                  ~std::uint64_t{0}}) {
        require(!std::isnan(history.predict(bytes)), "a history predicts NaN");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = hetsched::fuzz::text_of(data, size);
  detail::ModelRecord model;
  try {
    model = detail::decode_model(text);
  } catch (const detail::ModelFileError&) {
    return 0;
  }
  const std::string encoded = detail::encode_model(model);
  detail::ModelRecord again;
  try {
    again = detail::decode_model(encoded);
  } catch (const detail::ModelFileError& error) {
    require(false, std::string("a model this build wrote does not read back: ") + error.what());
  }
  require(detail::encode_model(again) == encoded, "a model written and read back is not the same model");
  require(again.tasks.size() == model.tasks.size(), "tasks lost in a round trip");
  check_histories(model);
  return 0;
}
