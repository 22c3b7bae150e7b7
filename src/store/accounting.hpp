// Counters shared by every object of one store; objects keep them alive, so refs may outlive the Runtime.
#pragma once

#include <atomic>
#include <cstddef>

namespace hetsched::detail {

struct StoreAccounting {
  std::atomic<std::size_t> objects{0};
  std::atomic<std::size_t> bytes{0};
};

}  // namespace hetsched::detail
