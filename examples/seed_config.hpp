// The runtime the seeds start: ray.init(num_cpus = 4), on any machine.
#pragma once

#include <hetsched/hetsched.hpp>

namespace examples {

/// A Config with the seeds' 4 CPU slots (hetsched honours it even on fewer cores).
inline hetsched::Config seed_config() {
  hetsched::Config config;
  config.num_cpus = 4;
  return config;
}

}  // namespace examples
