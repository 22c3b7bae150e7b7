#include "link_model.hpp"

#include <algorithm>

namespace hetsched::bench {

LinkModel::LinkModel(const detail::Bandwidths& links, int gpus)
    : speeds_(links),
      h2d_free_at_(static_cast<std::size_t>(gpus)),
      d2h_free_at_(static_cast<std::size_t>(gpus)),
      d2d_free_at_(static_cast<std::size_t>(gpus)) {}

double LinkModel::cross(std::vector<double>& link, int gpu, int from, int to, std::uint64_t bytes, double earliest_s) {
  double& free_at = link[static_cast<std::size_t>(gpu)];
  const double start = std::max(free_at, earliest_s);
  free_at = start + speeds_.transfer_seconds(from, to, bytes);
  return free_at;
}

double LinkModel::copy(int from, int to, std::uint64_t bytes, double earliest_s, Schedule& schedule,
                       double& started_s) {
  auto& moved = schedule.bytes_moved;
  if (from < 0) {
    moved[static_cast<int>(LinkKind::h2d)] += bytes;
    started_s = std::max(h2d_free_at_[static_cast<std::size_t>(to)], earliest_s);
    return cross(h2d_free_at_, to, from, to, bytes, earliest_s);
  }
  if (to < 0) {
    moved[static_cast<int>(LinkKind::d2h)] += bytes;
    started_s = std::max(d2h_free_at_[static_cast<std::size_t>(from)], earliest_s);
    return cross(d2h_free_at_, from, from, to, bytes, earliest_s);
  }
  if (speeds_.device_to_device > 0) {
    moved[static_cast<int>(LinkKind::d2d)] += bytes;
    started_s = std::max(d2d_free_at_[static_cast<std::size_t>(to)], earliest_s);
    return cross(d2d_free_at_, to, from, to, bytes, earliest_s);
  }
  // Staged: down to the host, then up to the other GPU.
  moved[static_cast<int>(LinkKind::d2h)] += bytes;
  moved[static_cast<int>(LinkKind::h2d)] += bytes;
  started_s = std::max(d2h_free_at_[static_cast<std::size_t>(from)], earliest_s);
  double at_host = cross(d2h_free_at_, from, from, -1, bytes, earliest_s);
  return cross(h2d_free_at_, to, -1, to, bytes, at_host);
}

}  // namespace hetsched::bench
