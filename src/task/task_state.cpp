// The out-of-line half of a Task's life: its core bookkeeping is built and destroyed here, where its type is known,
// and its memory comes from the record pool.
#include "task/task_state.hpp"


namespace hetsched::detail {

Task::Task() noexcept { new (state_) TaskState(); }

Task::~Task() { state_of(*this).~TaskState(); }

}  // namespace hetsched::detail
