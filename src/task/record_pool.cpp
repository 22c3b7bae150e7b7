// The record pool: a cache per thread and size class, full batches shared between threads under a mutex.
//
// Each size class (16-byte steps, see class_bytes) keeps, per thread, the list it allocates from and frees onto (`current`) and at
// most one full batch (`spare`). A thread that frees more than it allocates (a worker finishing tasks) passes full
// batches to the shared list; a thread that allocates more than it frees (the submitter) takes them from there. A
// block comes from ::operator new of its class's size the first time, so any block may go back to the ordinary heap
// (the shared list is full, or the thread's cache is gone at its exit).
#include "task/record_pool.hpp"

#include <cstdint>
#include <mutex>
#include <new>
#include <utility>

#include "hetsched/detail/pooled_record.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
// A cached block is poisoned past its two link words: AddressSanitizer reports a use after free of the rest, and
// LeakSanitizer (which ignores pointers in poisoned memory) still follows the links.
#define HETSCHED_POISON(address, bytes) \
  ASAN_POISON_MEMORY_REGION(reinterpret_cast<char*>(address) + sizeof(FreeBlock), (bytes) - sizeof(FreeBlock))
#define HETSCHED_UNPOISON(address, bytes) \
  ASAN_UNPOISON_MEMORY_REGION(reinterpret_cast<char*>(address) + sizeof(FreeBlock), (bytes) - sizeof(FreeBlock))
#else
#define HETSCHED_POISON(address, bytes) (static_cast<void>(address), static_cast<void>(bytes))
#define HETSCHED_UNPOISON(address, bytes) (static_cast<void>(address), static_cast<void>(bytes))
#endif

namespace hetsched::detail {
namespace {

// Class i holds blocks of 16 i + 8 bytes (i >= 1): glibc serves such a request with a chunk of 16 (i + 1) bytes and
// no slack, so a pooled record takes no more heap than an unpooled one. Every block keeps ::operator new's alignment.
constexpr std::size_t granule = 16;
constexpr std::size_t class_count = (pooled_record_limit + 7) / granule + 1;
constexpr std::size_t batch_blocks = 64;           // blocks moved between threads at a time
constexpr std::size_t shared_batch_limit = 4096;  // per class (256k blocks); beyond it, blocks go back to the heap

/// A block while it sits in a cache (its first bytes; every class is at least 24 bytes).
struct FreeBlock {
  FreeBlock* next;        ///< The next block of the same list.
  FreeBlock* next_batch;  ///< In the shared list, on a batch's first block: the next batch.
};

std::size_t class_of(std::size_t bytes) noexcept { return bytes <= 24 ? 1 : (bytes + 7) / granule; }
std::size_t class_bytes(std::size_t index) noexcept { return index * granule + 8; }

/// Gives `block` (unpoisoned) back to the ordinary heap.
void free_to_heap(FreeBlock* block) noexcept { ::operator delete(static_cast<void*>(block)); }

/// Gives every block of the list `head` back to the ordinary heap.
void free_list_to_heap(FreeBlock* head, std::size_t bytes) noexcept {
  while (head) {
    HETSCHED_UNPOISON(head, bytes);
    FreeBlock* next = head->next;
    free_to_heap(head);
    head = next;
  }
}

/// Full batches of one class that some thread freed and another may take.
class SharedBatches {
 public:
  /// A batch (a list of blocks), or null when there is none.
  FreeBlock* take(std::size_t bytes) noexcept {
    std::lock_guard lock(mutex_);
    FreeBlock* batch = head_;
    if (!batch) return nullptr;
    HETSCHED_UNPOISON(batch, bytes);
    head_ = batch->next_batch;
    HETSCHED_POISON(batch, bytes);
    --count_;
    return batch;
  }
  /// Keeps `batch` (a list of blocks, poisoned); false (keeping nothing) when the list is at its limit.
  bool give(FreeBlock* batch, std::size_t bytes) noexcept {
    std::lock_guard lock(mutex_);
    if (count_ >= shared_batch_limit) return false;
    HETSCHED_UNPOISON(batch, bytes);
    batch->next_batch = head_;
    HETSCHED_POISON(batch, bytes);
    head_ = batch;
    ++count_;
    return true;
  }

 private:
  std::mutex mutex_;
  FreeBlock* head_ = nullptr;
  std::size_t count_ = 0;
};

/// The shared lists, never destroyed: a thread may exit (and flush its cache here) after static destruction.
SharedBatches* shared_batches() noexcept {
  static SharedBatches* const all = new SharedBatches[class_count];
  return all;
}

/// One thread's blocks of one class.
struct ClassCache {
  FreeBlock* current = nullptr;  ///< Allocated from, freed onto.
  std::size_t current_blocks = 0;
  FreeBlock* spare = nullptr;    ///< A full batch kept back, so that a thread swinging around a batch boundary
                                 ///< does not take the shared lock each time.
};

/// One thread's caches; at the thread's exit they go to the shared lists (or the heap).
struct ThreadCache {
  ClassCache classes[class_count];
  ~ThreadCache();
};

thread_local bool cache_gone = false;  // trivially destructible: still readable after ThreadCache's destructor
thread_local ThreadCache cache;

void pass_on(FreeBlock* batch, std::size_t index) noexcept {
  const std::size_t bytes = class_bytes(index);
  if (!shared_batches()[index].give(batch, bytes)) free_list_to_heap(batch, bytes);
}

ThreadCache::~ThreadCache() {
  cache_gone = true;
  for (std::size_t index = 0; index < class_count; ++index) {
    ClassCache& own = classes[index];
    if (own.current) pass_on(own.current, index);
    if (own.spare) pass_on(own.spare, index);
    own = ClassCache{};
  }
}

}  // namespace

void* allocate_record(std::size_t bytes) {
  if (bytes > pooled_record_limit || bytes == 0 || cache_gone) return ::operator new(bytes == 0 ? 1 : bytes);
  const std::size_t index = class_of(bytes);
  const std::size_t size = class_bytes(index);
  ClassCache& own = cache.classes[index];
  if (!own.current) {
    own.current = own.spare ? std::exchange(own.spare, nullptr) : shared_batches()[index].take(size);
    if (!own.current) return ::operator new(size);
    own.current_blocks = batch_blocks;  // a batch flushed at a thread's exit may hold fewer: only a threshold
  }
  FreeBlock* block = own.current;
  HETSCHED_UNPOISON(block, size);
  own.current = block->next;
  own.current_blocks = own.current && own.current_blocks > 0 ? own.current_blocks - 1 : 0;
  return block;
}

void free_record(void* memory, std::size_t bytes) noexcept {
  if (!memory) return;
  if (bytes > pooled_record_limit || bytes == 0 || cache_gone) {
    ::operator delete(memory);
    return;
  }
  const std::size_t index = class_of(bytes);
  const std::size_t size = class_bytes(index);
  ClassCache& own = cache.classes[index];
  auto* block = static_cast<FreeBlock*>(memory);
  block->next = own.current;
  HETSCHED_POISON(block, size);
  own.current = block;
  if (++own.current_blocks < batch_blocks) return;
  // A full batch: keep it as the spare, passing the old spare on to the threads that allocate.
  if (own.spare) pass_on(own.spare, index);
  own.spare = std::exchange(own.current, nullptr);
  own.current_blocks = 0;
}

void* PooledRecord::operator new(std::size_t bytes) { return allocate_record(bytes); }

void* PooledRecord::operator new(std::size_t bytes, std::align_val_t alignment) {
  return ::operator new(bytes, alignment);  // over-aligned: the pool's blocks keep only the default alignment
}

void PooledRecord::operator delete(void* memory, std::size_t bytes) noexcept { free_record(memory, bytes); }

void PooledRecord::operator delete(void* memory, std::size_t bytes, std::align_val_t alignment) noexcept {
  ::operator delete(memory, bytes, alignment);
}

}  // namespace hetsched::detail
