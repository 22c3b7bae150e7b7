// The out-of-line half of a Task's life: its core bookkeeping is built and destroyed here, where its type is known,
// and its memory comes from the record heap.
#include "task/task_state.hpp"

#include "task/record_memory.hpp"

namespace hetsched::detail {

Task::Task() noexcept { new (state_) TaskState(); }

Task::~Task() { state_of(*this).~TaskState(); }

void* Task::operator new(std::size_t bytes) { return allocate_record(bytes, default_record_alignment); }

void* Task::operator new(std::size_t bytes, std::align_val_t alignment) {
  return allocate_record(bytes, static_cast<std::size_t>(alignment));
}

void Task::operator delete(void* memory) noexcept { free_record(memory, default_record_alignment); }

void Task::operator delete(void* memory, std::align_val_t alignment) noexcept {
  free_record(memory, static_cast<std::size_t>(alignment));
}

}  // namespace hetsched::detail
