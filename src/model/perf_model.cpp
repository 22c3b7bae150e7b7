#include "model/perf_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "hetsched/error.hpp"
#include "model/model_file.hpp"

namespace hetsched::detail {
namespace {

constexpr double shortest_run_seconds = 1e-9;  // the log-log fit needs times > 0; no clock resolves less

}  // namespace

PerfModel::PerfModel() = default;
PerfModel::~PerfModel() = default;

std::uint32_t PerfModel::intern(std::string_view task_name) {
  std::lock_guard lock(names_mutex_);
  return intern_locked(task_name);
}

std::uint32_t PerfModel::intern_locked(std::string_view task_name) {
  if (auto it = ids_.find(task_name); it != ids_.end()) return it->second;
  auto id = static_cast<std::uint32_t>(names_.size());
  if (id >= max_tasks) {
    throw UsageError("more than " + std::to_string(max_tasks) +
                     " distinct task names; give tasks that do the same work the same name");
  }
  if (id % chunk_size == 0) {
    owned_chunks_.push_back(std::make_unique<TaskModel[]>(chunk_size));
    chunks_[id / chunk_size].store(owned_chunks_.back().get(), std::memory_order_release);
  }
  names_.emplace_back(task_name);
  ids_.emplace(names_.back(), id);
  task_count_.store(id + 1, std::memory_order_release);
  return id;
}

std::string PerfModel::task_name(std::uint32_t task) const {
  std::lock_guard lock(names_mutex_);
  return task < names_.size() ? names_[task] : std::string();
}

PerfModel::TaskModel* PerfModel::find_task(std::uint32_t task) const noexcept {
  if (task >= task_count_.load(std::memory_order_acquire)) return nullptr;
  return &chunks_[task / chunk_size].load(std::memory_order_acquire)[task % chunk_size];
}

void PerfModel::record(std::uint32_t task, int variant, DeviceKind kind, std::uint64_t input_bytes, double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return;
  TaskModel* model = find_task(task);
  if (!model) return;
  std::lock_guard lock(model->mutex);
  auto it = std::find_if(model->series.begin(), model->series.end(),
                         [&](const Series& series) { return series.variant == variant && series.kind == kind; });
  if (it == model->series.end()) {
    model->series.push_back({variant, kind, RunTimeSeries(enough_samples)});
    it = model->series.end() - 1;
  }
  it->history.record(input_bytes, std::max(seconds, shortest_run_seconds));
}

Prediction PerfModel::predict(std::uint32_t task, int variant, DeviceKind kind, std::uint64_t input_bytes) const {
  const TaskModel* model = find_task(task);
  if (!model) return {};
  std::lock_guard lock(model->mutex);
  for (const Series& series : model->series) {
    if (series.variant != variant || series.kind != kind) continue;
    constexpr std::uint64_t most = std::numeric_limits<std::uint32_t>::max();
    return {series.history.predict(input_bytes), static_cast<std::uint32_t>(std::min(series.history.samples(), most))};
  }
  return {};
}

Bandwidths PerfModel::bandwidths() const {
  std::lock_guard lock(bandwidths_mutex_);
  return bandwidths_;
}

void PerfModel::set_bandwidths(const Bandwidths& bandwidths) {
  std::lock_guard lock(bandwidths_mutex_);
  bandwidths_ = bandwidths;
}

bool PerfModel::load(const std::string& path, const std::function<void(std::string_view)>& warn) {
  auto ignored = [&](const std::string& reason) {
    warn("performance model file '" + path + "' ignored: " + reason + "; the models start empty");
    return false;
  };
  std::optional<ModelRecord> file;
  try {
    file = read_model_file(path);
  } catch (const ModelFileError& error) {
    return ignored(error.what());
  }
  if (!file) return false;
  std::lock_guard names_lock(names_mutex_);
  std::size_t new_names = 0;
  for (const TaskRecord& task : file->tasks) new_names += ids_.count(task.name) == 0 ? 1 : 0;
  if (names_.size() + new_names > max_tasks) {
    return ignored("it names more tasks than fit beside the " + std::to_string(names_.size()) + " known ones");
  }
  set_bandwidths(file->bandwidths);
  for (const TaskRecord& task : file->tasks) {
    TaskModel& model = *find_task(intern_locked(task.name));
    std::vector<Series> series;
    for (const SeriesRecord& record : task.series) {
      series.push_back({record.variant, record.kind, RunTimeSeries(enough_samples)});
      series.back().history.assign(record.buckets);
    }
    std::lock_guard lock(model.mutex);
    model.series = std::move(series);
  }
  return true;
}

void PerfModel::save(const std::string& path) const {
  ModelRecord file;
  file.bandwidths = bandwidths();
  {
    std::lock_guard names_lock(names_mutex_);
    for (std::uint32_t id = 0; id < names_.size(); ++id) {
      const TaskModel& model = *find_task(id);
      TaskRecord task{names_[id], {}};
      std::lock_guard lock(model.mutex);
      for (const Series& series : model.series)
        task.series.push_back({series.variant, series.kind, series.history.to_records()});
      if (!task.series.empty()) file.tasks.push_back(std::move(task));
    }
  }
  write_model_file(path, file);
}

}  // namespace hetsched::detail
