#include "link_model.hpp"

#include <algorithm>

namespace hetsched::bench {

LinkModel::LinkModel(const detail::Bandwidths& links, int gpus, int copy_lanes)
    : speeds_(links),
      h2d_free_at_(static_cast<std::size_t>(gpus)),
      d2h_free_at_(static_cast<std::size_t>(gpus)),
      d2d_free_at_(static_cast<std::size_t>(gpus)),
      lane_free_at_(static_cast<std::size_t>(copy_lanes)) {}

double LinkModel::cross(std::vector<double>& link, int gpu, int from, int to, std::uint64_t bytes, double earliest_s,
                        double& started_s) {
  double& free_at = link[static_cast<std::size_t>(gpu)];
  double start = std::max(free_at, earliest_s);
  double* lane = nullptr;
  if (!lane_free_at_.empty()) {  // the copy also takes the shared lane that frees first
    lane = &*std::min_element(lane_free_at_.begin(), lane_free_at_.end());
    start = std::max(start, *lane);
  }
  started_s = start;
  free_at = start + speeds_.transfer_seconds(from, to, bytes);
  if (lane != nullptr) *lane = free_at;
  return free_at;
}

double LinkModel::copy(int from, int to, std::uint64_t bytes, double earliest_s, Schedule& schedule,
                       double& started_s) {
  auto& moved = schedule.bytes_moved;
  if (from < 0) {
    moved[static_cast<int>(LinkKind::h2d)] += bytes;
    return cross(h2d_free_at_, to, from, to, bytes, earliest_s, started_s);
  }
  if (to < 0) {
    moved[static_cast<int>(LinkKind::d2h)] += bytes;
    return cross(d2h_free_at_, from, from, to, bytes, earliest_s, started_s);
  }
  if (speeds_.device_to_device > 0) {
    moved[static_cast<int>(LinkKind::d2d)] += bytes;
    return cross(d2d_free_at_, to, from, to, bytes, earliest_s, started_s);
  }
  // Staged: down to the host, then up to the other GPU.
  moved[static_cast<int>(LinkKind::d2h)] += bytes;
  moved[static_cast<int>(LinkKind::h2d)] += bytes;
  double at_host = cross(d2h_free_at_, from, from, -1, bytes, earliest_s, started_s);
  double second_started_s = 0;
  return cross(h2d_free_at_, to, -1, to, bytes, at_host, second_started_s);
}

}  // namespace hetsched::bench
