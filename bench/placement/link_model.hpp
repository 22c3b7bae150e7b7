// The links between memory nodes as queues: a copy waits for its link to be free, then takes the latency plus its
// bytes over the link's bandwidth (Bandwidths::transfer_seconds). Each GPU has its own host-to-device, device-to-host
// and incoming device-to-device link; a copy between GPUs without a device link is staged through the host. With copy
// lanes, every copy also holds one of that many lanes shared by all links (the host cores that do logical GPUs'
// memcpys), so no more copies than lanes run at once.
#pragma once

#include <vector>

#include "resources/bandwidths.hpp"
#include "schedule.hpp"

namespace hetsched::bench {

/// The links of a machine with `gpus` GPUs, and the bytes that crossed them.
class LinkModel {
 public:
  /// Links of the given speeds for `gpus` GPUs; `copy_lanes` > 0 shares that many lanes among all of them.
  LinkModel(const detail::Bandwidths& links, int gpus, int copy_lanes = 0);
  /// Copies `bytes` from node `from` to node `to` (-1 host) once the source is valid at `earliest_s`; returns when the
  /// copy is done, and counts its bytes in `schedule`.
  double copy(int from, int to, std::uint64_t bytes, double earliest_s, Schedule& schedule, double& started_s);

 private:
  double cross(std::vector<double>& link, int gpu, int from, int to, std::uint64_t bytes, double earliest_s,
               double& started_s);

  detail::Bandwidths speeds_;
  std::vector<double> h2d_free_at_;  // per GPU: when its host-to-device link is free
  std::vector<double> d2h_free_at_;
  std::vector<double> d2d_free_at_;  // per destination GPU
  std::vector<double> lane_free_at_;  // per shared copy lane (none: the links are independent)
};

}  // namespace hetsched::bench
