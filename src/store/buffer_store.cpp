#include "store/buffer_store.hpp"

#include <limits>

#include "hetsched/error.hpp"
#include "hetsched/store_stats.hpp"
#include "store/buffer_data.hpp"

namespace hetsched::detail {

void TransferCounters::count_copy(MemoryNode from, MemoryNode to, std::size_t bytes, TransferObserver::TimePoint started,
                                  bool waited) noexcept {
  const bool to_device = from == host_node;
  const bool to_host = to == host_node;
  (to_device ? host_to_device : to_host ? device_to_host : device_to_device).fetch_add(bytes, std::memory_order_relaxed);
  const auto ended = std::chrono::steady_clock::now();
  if (waited) {
    const auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(ended - started).count();
    (to_device ? host_to_device_ns : to_host ? device_to_host_ns : device_to_device_ns)
        .fetch_add(took, std::memory_order_relaxed);
  }
  if (TransferObserver* seen = observer.load(std::memory_order_acquire)) seen->copied(from, to, bytes, started, ended);
}

void TransferCounters::count_eviction(int device, std::size_t bytes, bool written_back) noexcept {
  evictions.fetch_add(1, std::memory_order_relaxed);
  if (TransferObserver* seen = observer.load(std::memory_order_acquire)) {
    seen->evicted(device, bytes, written_back, std::chrono::steady_clock::now());
  }
}

BufferStore::BufferStore(std::unique_ptr<MemorySystem> memory, const std::vector<std::size_t>& device_capacity,
                         std::shared_ptr<HostBudget> host_budget)
    : memory_(std::move(memory)), host_budget_(std::move(host_budget)) {
  for (std::size_t device = 0; device < device_capacity.size(); ++device) {
    caches_.push_back(std::make_unique<DeviceCache>(static_cast<int>(device), device_capacity[device], *memory_));
  }
}

BufferAllocation BufferStore::create(MemoryNode node, std::size_t count, std::size_t element_size,
                                     std::size_t own_pinned, Pin pin, const std::string& who) {
  if (element_size != 0 && count > std::numeric_limits<std::size_t>::max() / element_size) {
    throw UsageError(who + ": a buffer of " + std::to_string(count) + " elements of " + std::to_string(element_size) +
                     " bytes does not fit in memory; ask for fewer elements");
  }
  const std::size_t bytes = count * element_size;
  BufferHandle handle(new BufferData(BufferStorePtr(this), bytes));
  if (bytes == 0) return {std::move(handle), nullptr, count};
  if (node == host_node) {
    std::byte* memory = handle.get()->create_on_host(pin == Pin::yes);  // counted against the host budget
    return {std::move(handle), memory, count};
  }
  std::byte* memory = nullptr;
  {
    DeviceCache::Attempt attempt = cache(node).allocate(bytes, own_pinned);
    if (!attempt.memory) {
      throw ObjectStoreFullError(who + ": GPU " + std::to_string(node) + " has no room for a buffer of " +
                                 std::to_string(bytes) + " bytes: the rest of its capacity is pinned by other "
                                 "running tasks; declare .gpu_memory(bytes) on the tasks so that each is placed "
                                 "only where its memory fits");
    }
    memory = attempt.memory;
  }
  handle.get()->adopt_initial(node, memory, pin == Pin::yes);
  return {std::move(handle), memory, count};
}

void BufferStore::shutdown() noexcept {
  for (auto& device_cache : caches_) device_cache->close();
}

void BufferStore::fill_stats(StoreStats& stats) const {
  stats.bytes_host_to_device = counters_.host_to_device.load(std::memory_order_relaxed);
  stats.bytes_device_to_host = counters_.device_to_host.load(std::memory_order_relaxed);
  stats.bytes_device_to_device = counters_.device_to_device.load(std::memory_order_relaxed);
  const auto seconds = [](const std::atomic<std::int64_t>& ns) {
    return static_cast<double>(ns.load(std::memory_order_relaxed)) * 1e-9;
  };
  stats.copy_seconds_host_to_device = seconds(counters_.host_to_device_ns);
  stats.copy_seconds_device_to_host = seconds(counters_.device_to_host_ns);
  stats.copy_seconds_device_to_device = seconds(counters_.device_to_device_ns);
  stats.evictions = counters_.evictions.load(std::memory_order_relaxed);
  stats.write_backs = counters_.write_backs.load(std::memory_order_relaxed);
  stats.device_bytes.clear();
  stats.device_capacity.clear();
  for (const auto& device_cache : caches_) {
    stats.device_bytes.push_back(device_cache->used());
    stats.device_capacity.push_back(device_cache->capacity());
  }
}

}  // namespace hetsched::detail
