/// @file detail/object_entry.hpp
/// @brief The type-erased record behind an ObjectRef: state, value, waiters, reference counts. Not API.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "hetsched/detail/pooled_record.hpp"
#include "hetsched/serializer.hpp"

namespace hetsched {
/// The value an ObjectRef<void> resolves to when passed as a task argument.
struct Unit {};
}  // namespace hetsched

namespace hetsched::detail {

class Task;
struct StoreAccounting;
class ObjectRegistry;  // the store's list of live objects (src/store/object_registry.hpp)
struct SpillSlot;  // an object's place in the host budget (src/store/host_budget.hpp)

/// How an object counts against the host budget (Config::object_store_bytes).
enum class BudgetKind : std::uint8_t {
  unspillable,  ///< Counts while it lives, never spilled (no Serializer for its type).
  spillable,    ///< May be written to disk when nothing reads it (a Serializer exists).
  not_counted   ///< Its bytes are accounted elsewhere (a Buffer's replicas).
};

/// What the host budget needs from a value it may spill to disk. Called by src/store/host_budget.cpp only, never
/// while anyone reads the value.
class SpillClient {
 public:
  /// Bytes the serialized value takes.
  virtual std::size_t spilled_size() const = 0;
  /// Writes the serialized value into `out` (spilled_size() bytes).
  virtual void write_spilled(std::span<std::byte> out) const = 0;
  /// The serialized value where it already lies, when it is contiguous in memory: the budget then writes it from
  /// there instead of calling write_spilled. Null data (the default) when it is not.
  virtual std::span<const std::byte> spilled_view() const { return {}; }
  /// Frees the value: it was written to disk.
  virtual void drop_spilled() noexcept = 0;
  /// Rebuilds the value from the bytes write_spilled wrote; throws when they cannot be read.
  virtual void restore_spilled(std::span<const std::byte> in) = 0;

 protected:
  ~SpillClient() = default;
};

/// Something that wants to hear when an object stops being pending (a task counting its inputs, a blocked get).
/// Called with the entry's lock held: it must be short and must not lock that entry again.
class ObjectWaiter {
 public:
  /// The object is now ready or failed.
  virtual void object_completed() noexcept = 0;

 protected:
  ~ObjectWaiter() = default;
};

/// A lock of one word for a store entry (a std::mutex takes 40 bytes, and a million pending objects each have one):
/// uncontended it costs one atomic operation; a thread that finds it taken sleeps in std::atomic::wait (the futex
/// mutex of Drepper's "Futexes Are Tricky": 0 free, 1 taken, 2 taken with sleepers).
class EntryLock {
 public:
  /// Takes the lock, sleeping while another thread holds it.
  void lock() noexcept {
    std::uint32_t seen = 0;
    if (state_.compare_exchange_strong(seen, 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
    if (seen != 2) seen = state_.exchange(2, std::memory_order_acquire);
    while (seen != 0) {
      state_.wait(2, std::memory_order_relaxed);
      seen = state_.exchange(2, std::memory_order_acquire);
    }
  }
  /// Releases the lock, waking one sleeper if there is any.
  void unlock() noexcept {
    if (state_.exchange(0, std::memory_order_release) == 2) state_.notify_one();
  }

 private:
  std::atomic<std::uint32_t> state_{0};
};

/// Lifecycle of an object.
enum class ObjectState : std::uint8_t { pending, ready, failed };

/// One object of the store. Two reference counts share one atomic word: user refs (ObjectRef copies, which may read
/// the value) and internal holds (the runtime publishing it); the entry is freed when both are zero, and "this is the
/// only ObjectRef" is exact whatever the runtime is still doing.
class ObjectEntry : public PooledRecord, public SpillClient {
 public:
  ObjectEntry() = default;
  ObjectEntry(const ObjectEntry&) = delete;
  ObjectEntry& operator=(const ObjectEntry&) = delete;

  /// Unique id within the process.
  std::uint64_t id() const noexcept { return id_; }
  /// Current state (acquire: a ready state makes the value visible).
  ObjectState state() const noexcept { return state_.load(std::memory_order_acquire); }
  /// True once the object is ready or failed.
  bool is_done() const noexcept { return state() != ObjectState::pending; }
  /// The failure, once state() is failed.
  const std::exception_ptr& error() const noexcept { return error_; }
  /// Bytes the value occupies (estimated for containers), once ready.
  std::size_t size_bytes() const noexcept { return bytes_; }
  /// Number of ObjectRefs alive now.
  std::uint32_t user_refs() const noexcept {
    return static_cast<std::uint32_t>(counts_.load(std::memory_order_acquire) >> 32);
  }

  /// Adds an ObjectRef.
  void retain_user() noexcept { counts_.fetch_add(user_one, std::memory_order_relaxed); }
  /// Drops an ObjectRef; frees the entry with the last reference of either kind.
  void release_user() noexcept { release(user_one); }
  /// Adds an internal hold.
  void retain_internal() noexcept { counts_.fetch_add(1, std::memory_order_relaxed); }
  /// Drops an internal hold; frees the entry with the last reference of either kind.
  void release_internal() noexcept { release(1); }
  /// Adds an internal hold unless the entry is already being freed (for a walk of the store's live objects).
  bool try_retain_internal() noexcept {
    std::uint64_t counts = counts_.load(std::memory_order_relaxed);
    do {
      if (counts == 0) return false;
    } while (!counts_.compare_exchange_weak(counts, counts + 1, std::memory_order_relaxed));
    return true;
  }

  /// Registers the object in a store (id, byte accounting). Called once, before the entry is shared.
  void adopt(std::uint64_t id, StoreAccounting* accounting) noexcept;
  /// Publishes the value (already stored by the typed subclass) and wakes every waiter.
  void mark_ready(std::size_t bytes) noexcept;
  /// Publishes a failure and wakes every waiter.
  void mark_failed(std::exception_ptr error) noexcept;
  /// Registers `waiter`; returns false (and registers nothing) when the object is already done.
  bool add_waiter(ObjectWaiter* waiter);
  /// Unregisters `waiter`; after it returns the waiter is never called again.
  void remove_waiter(ObjectWaiter* waiter) noexcept;
  /// How the value counts against the host budget.
  virtual BudgetKind budget_kind() const noexcept { return BudgetKind::unspillable; }
  /// The object's place in the host budget when it is spillable and ready, else null (set before it is ready).
  SpillSlot* spill_slot() const noexcept { return spill_slot_; }
  /// Counts the value against the runtime's host budget, spilling others (or this one) to make room: called once,
  /// by the runtime, just before mark_ready. Throws ObjectStoreFullError when nothing can be freed.
  void enter_budget(std::size_t bytes);
  /// Keeps a ready value in host memory until unpin_value, restoring it from disk first when it was spilled;
  /// ObjectLostError when it cannot be read back. Only for an entry with a spill_slot().
  void pin_value();
  /// Drops a pin_value.
  void unpin_value() noexcept;
  /// Keeps a ready value in host memory for as long as the entry lives (get's `const T&`); restores as pin_value.
  void keep_value_resident();
  std::size_t spilled_size() const override { return 0; }
  void write_spilled(std::span<std::byte>) const override {}
  void drop_spilled() noexcept override {}
  void restore_spilled(std::span<const std::byte>) override {}

  /// Remembers the task that will produce this object, so a blocked `get` can run it itself. Only before the entry
  /// is shared with another thread.
  void set_producer(Task* task) noexcept;
  /// The producing task while it has not completed (with an internal hold the caller must drop), or null.
  Task* acquire_producer() noexcept;

 protected:
  virtual ~ObjectEntry();
  /// Leaves the host budget (waiting for a spill of this value in progress); by a spillable subclass's destructor,
  /// while its value still exists.
  void leave_budget() noexcept;

 private:
  static constexpr std::uint64_t user_one = std::uint64_t{1} << 32;
  void release(std::uint64_t amount) noexcept {
    if (counts_.fetch_sub(amount, std::memory_order_acq_rel) == amount) delete this;
  }
  void complete(ObjectState state) noexcept;

  std::atomic<std::uint64_t> counts_{0};
  std::atomic<ObjectState> state_{ObjectState::pending};
  bool budgeted_ = false;  // its bytes count against the host budget as unspillable
  EntryLock lock_;  // guards the waiters and the producer
  std::uint64_t id_ = 0;
  std::size_t bytes_ = 0;
  std::exception_ptr error_;
  ObjectWaiter* first_waiter_ = nullptr;  // most objects have one waiter (the next task): no allocation for it
  std::vector<ObjectWaiter*>* more_waiters_ = nullptr;  // made for a second waiter
  Task* producer_ = nullptr;  // internal hold on the task while pending
  StoreAccounting* accounting_ = nullptr;  // a holder while adopted
  SpillSlot* spill_slot_ = nullptr;         // owned by the host budget; until leave_budget
  friend class ObjectRegistry;
  ObjectEntry* listed_prev_ = nullptr;  // neighbours in the store's ObjectRegistry (list_objects)
  ObjectEntry* listed_next_ = nullptr;
};

/// How results of type T are stored: void becomes Unit.
template <class T>
using Stored = std::conditional_t<std::is_void_v<T>, Unit, T>;

/// True for hetsched::Buffer<T> (specialised in buffer.hpp).
template <class A>
inline constexpr bool is_buffer = false;

/// Estimated bytes held by a value: sizeof, plus the heap buffer of contiguous containers (a Buffer: its bytes).
template <class T>
std::size_t object_size(const T& value) noexcept {
  if constexpr (is_buffer<T>) {
    return value.size_bytes();
  } else if constexpr (requires { value.capacity(); value.data(); }) {
    using Element = std::remove_cvref_t<decltype(*value.data())>;
    return sizeof(T) + value.capacity() * sizeof(Element);
  } else {
    return sizeof(T);
  }
}

/// An entry holding a value of type T.
template <class T>
class TypedObject final : public ObjectEntry {
 public:
  TypedObject() = default;
  ~TypedObject() override {
    if (spill_slot()) leave_budget();
  }
  BudgetKind budget_kind() const noexcept override {
    return serializable<T> ? BudgetKind::spillable : BudgetKind::unspillable;
  }
  std::size_t spilled_size() const override {
    if constexpr (serializable<T>) return Serializer<T>::size(*value_);
    return 0;
  }
  void write_spilled(std::span<std::byte> out) const override {
    if constexpr (serializable<T>) Serializer<T>::save(*value_, out);
  }
  std::span<const std::byte> spilled_view() const override {
    if constexpr (viewable<T>) return Serializer<T>::view(*value_);
    return {};
  }
  void drop_spilled() noexcept override { value_.reset(); }
  void restore_spilled(std::span<const std::byte> in) override {
    if constexpr (serializable<T>) value_.emplace(Serializer<T>::load(in));
  }

  /// Constructs the value in place (before mark_ready).
  template <class... A>
  void emplace(A&&... args) {
    value_.emplace(std::forward<A>(args)...);
  }
  /// The value; only after state() is ready.
  const T& value() const noexcept { return *value_; }
  /// The value for moving out; only by the sole ObjectRef owner.
  T& mutable_value() noexcept { return *value_; }

 private:
  std::optional<T> value_;
};

/// Keeps an object's value in host memory while it lives (nothing to do for a value that can never be spilled).
class ValuePin {
 public:
  /// Pins `entry`'s value, restoring it first when spilled (ObjectLostError when it cannot be).
  explicit ValuePin(ObjectEntry& entry) : entry_(entry.spill_slot() ? &entry : nullptr) {
    if (entry_) entry_->pin_value();
  }
  ValuePin(const ValuePin&) = delete;
  ValuePin& operator=(const ValuePin&) = delete;
  ~ValuePin() {
    if (entry_) entry_->unpin_value();
  }

 private:
  ObjectEntry* entry_;
};

/// An internal hold on an entry (not an ObjectRef): keeps it alive without counting as a user reference.
class EntryHold {
 public:
  EntryHold() = default;
  /// Takes a new hold on `entry` (may be null).
  explicit EntryHold(ObjectEntry* entry) noexcept : entry_(entry) {
    if (entry_) entry_->retain_internal();
  }
  EntryHold(EntryHold&& other) noexcept : entry_(std::exchange(other.entry_, nullptr)) {}
  EntryHold& operator=(EntryHold&& other) noexcept {
    if (this != &other) {
      reset();
      entry_ = std::exchange(other.entry_, nullptr);
    }
    return *this;
  }
  EntryHold(const EntryHold&) = delete;
  EntryHold& operator=(const EntryHold&) = delete;
  ~EntryHold() { reset(); }
  /// Drops the hold.
  void reset() noexcept {
    if (entry_) std::exchange(entry_, nullptr)->release_internal();
  }
  /// The held entry.
  ObjectEntry* get() const noexcept { return entry_; }
  /// Member access.
  ObjectEntry* operator->() const noexcept { return entry_; }

 private:
  ObjectEntry* entry_ = nullptr;
};

}  // namespace hetsched::detail
