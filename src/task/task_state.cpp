// The out-of-line half of a Task's life: its core bookkeeping is built and destroyed here, where its type is known,
// and its memory comes from the record pool.
#include "task/task_state.hpp"

#include "task/record_pool.hpp"

namespace hetsched::detail {

Task::Task() noexcept { new (state_) TaskState(); }

Task::~Task() { state_of(*this).~TaskState(); }

void* Task::operator new(std::size_t bytes) { return allocate_record(bytes); }

void* Task::operator new(std::size_t bytes, std::align_val_t alignment) {
  return ::operator new(bytes, alignment);  // over-aligned: the pool's blocks keep only the default alignment
}

void Task::operator delete(void* memory, std::size_t bytes) noexcept { free_record(memory, bytes); }

void Task::operator delete(void* memory, std::size_t bytes, std::align_val_t alignment) noexcept {
  ::operator delete(memory, bytes, alignment);
}

}  // namespace hetsched::detail
