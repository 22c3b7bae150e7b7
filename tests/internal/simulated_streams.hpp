// A memory system whose GPUs have simulated streams, for testing the store's asynchronous copies without a GPU.
// Work "enqueued on a stream" (copies, event records, waits for events) is only queued; it runs when the test drains
// the stream, or when the store waits for an event on the host (a real GPU makes progress by itself, so host_wait
// runs the event's stream up to the record). A copy that runs after either of its blocks was freed, and a free of a
// block a queued copy still uses, are recorded as violations, so a missing wait shows up as a test failure.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "store/memory_system.hpp"

namespace hetsched::test {

/// A simulated stream: work queued in order.
struct SimulatedStream {
  struct Step {
    std::function<bool()> run;                   ///< False when it must wait (an event not yet passed).
    std::vector<const std::byte*> blocks_used;  ///< Memory the step reads or writes.
  };
  std::deque<Step> queued;
};

/// A simulated event: the number of records issued and the number the streams have reached.
struct SimulatedEvent {
  std::uint64_t recorded = 0;
  std::uint64_t reached = 0;
  SimulatedStream* last_stream = nullptr;
};

class SimulatedStreamMemory final : public detail::MemorySystem {
 public:
  /// A new stream, owned by this memory system (it outlives every buffer's replicas).
  SimulatedStream& new_stream() {
    std::lock_guard lock(mutex_);
    owned_streams_.push_back(std::make_unique<SimulatedStream>());
    return *owned_streams_.back();
  }

  /// A stream as the store sees it.
  static CUstream_st* handle(SimulatedStream& stream) { return reinterpret_cast<CUstream_st*>(&stream); }

  std::byte* allocate_host(std::size_t bytes) override { return track(bytes); }
  void free_host(std::byte* memory, std::size_t) noexcept override { untrack(memory); }
  std::byte* allocate_device(int, std::size_t bytes) override { return track(bytes); }
  void free_device(int, std::byte* memory, std::size_t) noexcept override { untrack(memory); }

  void copy(detail::MemoryNode, std::byte* target, detail::MemoryNode, const std::byte* source,
            std::size_t bytes) override {
    std::lock_guard lock(mutex_);
    synchronous_copies++;
    checked_copy(target, source, bytes);
  }

  void copy_on_stream(int, std::byte* target, detail::MemoryNode, const std::byte* source, std::size_t bytes,
                      CUstream_st* stream, CUevent_st* source_ready, CUevent_st*& target_ready) override {
    std::lock_guard lock(mutex_);
    SimulatedStream& queue = *reinterpret_cast<SimulatedStream*>(stream);
    streams_.insert(&queue);
    if (source_ready) enqueue_wait(queue, event_of(source_ready));
    queue.queued.push_back({[this, target, source, bytes] {
                              checked_copy(target, source, bytes);
                              return true;
                            },
                            {target, source}});
    if (!target_ready) {
      events_.push_back(std::make_unique<SimulatedEvent>());
      target_ready = reinterpret_cast<CUevent_st*>(events_.back().get());
    }
    SimulatedEvent& event = event_of(target_ready);
    const std::uint64_t number = ++event.recorded;
    event.last_stream = &queue;
    queue.queued.push_back({[&event, number] {
                              event.reached = std::max(event.reached, number);
                              return true;
                            },
                            {}});
  }

  void stream_wait(CUstream_st* stream, CUevent_st* ready) override {
    if (!ready) return;
    std::lock_guard lock(mutex_);
    stream_waits++;
    enqueue_wait(*reinterpret_cast<SimulatedStream*>(stream), event_of(ready));
  }

  void host_wait(CUevent_st* ready) override {
    if (!ready) return;
    std::lock_guard lock(mutex_);
    SimulatedEvent& event = event_of(ready);
    if (event.reached >= event.recorded) return;
    host_waits++;
    drain_locked(*event.last_stream);
    if (event.reached < event.recorded) violations.push_back("host_wait on an event its stream cannot reach");
  }

  void release_event(int, CUevent_st* ready) noexcept override {
    if (ready) released_events++;
  }

  /// Runs the stream's queued work in order until it is empty (true) or waits for an event not yet passed (false).
  bool drain(SimulatedStream& stream) {
    std::lock_guard lock(mutex_);
    return drain_locked(stream);
  }

  /// What went wrong so far (use after free, free while in use), one line each.
  std::vector<std::string> violations;
  int synchronous_copies = 0;
  int stream_waits = 0;
  int host_waits = 0;
  int released_events = 0;

 private:
  static SimulatedEvent& event_of(CUevent_st* event) { return *reinterpret_cast<SimulatedEvent*>(event); }

  void enqueue_wait(SimulatedStream& queue, SimulatedEvent& event) {
    const std::uint64_t number = event.recorded;
    queue.queued.push_back({[&event, number] { return event.reached >= number; }, {}});
  }

  bool drain_locked(SimulatedStream& stream) {
    while (!stream.queued.empty()) {
      if (!stream.queued.front().run()) return false;
      stream.queued.pop_front();
    }
    return true;
  }

  std::byte* track(std::size_t bytes) {
    auto memory = std::make_unique<std::byte[]>(bytes == 0 ? 1 : bytes);
    std::byte* address = memory.get();
    std::lock_guard lock(mutex_);
    blocks_.emplace(address, std::move(memory));
    return address;
  }

  void untrack(std::byte* memory) noexcept {
    std::lock_guard lock(mutex_);
    for (SimulatedStream* stream : streams_) {
      for (const SimulatedStream::Step& step : stream->queued) {
        for (const std::byte* used : step.blocks_used) {
          if (used == memory) violations.push_back("a block was freed while a queued copy still uses it");
        }
      }
    }
    blocks_.erase(memory);
  }

  void checked_copy(std::byte* target, const std::byte* source, std::size_t bytes) {
    if (!blocks_.count(target) || !blocks_.count(const_cast<std::byte*>(source))) {
      violations.push_back("a copy ran on freed memory");
      return;
    }
    std::memcpy(target, source, bytes);
  }

  std::mutex mutex_;
  std::map<std::byte*, std::unique_ptr<std::byte[]>> blocks_;
  std::vector<std::unique_ptr<SimulatedEvent>> events_;
  std::set<SimulatedStream*> streams_;  // every stream a copy was queued on
  std::vector<std::unique_ptr<SimulatedStream>> owned_streams_;
};

}  // namespace hetsched::test
