// Twin of the third tip of seeds/000 ("Avoid passing same object repeatedly to remote tasks"): a 5000 x 5000 matrix
// of doubles (200 MB) goes to 10 no_work tasks, first by value, then put once and passed as a ref.
// Look for: by value, every remote() copies the 200 MB into its task (Ray's implicit put per call), so the first
// duration grows with the number of tasks; put once, the tasks read the one stored matrix and the second is much
// shorter. no_work returns the address of the matrix it saw, so the program checks the copies instead of guessing
// from timings: by value, no task sees the caller's buffer; by ref, every task sees the stored one.
// Exits non-zero if those addresses say otherwise; timings are printed, never checked.

#include <cstddef>
#include <cstdio>
#include <vector>

#include <hetsched/hetsched.hpp>

#include "checks.hpp"
#include "seed_config.hpp"
#include "stopwatch.hpp"

namespace {

constexpr std::size_t matrix_side = 5000;
constexpr std::size_t task_count = 10;

using Matrix = std::vector<double>;  // row-major, matrix_side x matrix_side, like np.zeros((5000, 5000))

Matrix zeros() { return Matrix(matrix_side * matrix_side, 0.0); }

/// The seed's no_work, which returns nothing; returning where the matrix lives is what makes the copies checkable.
const double* no_work(const Matrix& matrix) { return matrix.data(); }

}  // namespace

int main() {
  hetsched::Runtime runtime{examples::seed_config()};  // the seed's ray.init(num_cpus = 4)
  examples::Checks checks;
  std::printf("large_object: a %zu x %zu matrix of doubles (%zu MB) passed to %zu no_work tasks, num_cpus = 4\n",
              matrix_side, matrix_side, matrix_side * matrix_side * sizeof(double) / 1000000, task_count);

  {
    examples::Stopwatch stopwatch;
    Matrix matrix = zeros();
    std::vector<hetsched::ObjectRef<const double*>> refs;
    for (std::size_t i = 0; i < task_count; ++i) refs.push_back(runtime.task(no_work).remote(matrix));  // copies
    std::vector<const double*> seen = runtime.get(std::move(refs));
    examples::print_duration("by value, copied into each task", stopwatch.seconds());
    std::size_t copies = 0;
    for (const double* address : seen) copies += address != matrix.data();
    std::printf("  %-34s tasks that got their own copy = %zu of %zu\n", "", copies, task_count);
    checks.expect(copies == task_count, "every task given the matrix by value works on its own copy");
  }

  {
    examples::Stopwatch stopwatch;
    hetsched::ObjectRef<Matrix> matrix_ref = runtime.put(zeros());
    std::vector<hetsched::ObjectRef<const double*>> refs;
    for (std::size_t i = 0; i < task_count; ++i) refs.push_back(runtime.task(no_work).remote(matrix_ref));  // no copy
    std::vector<const double*> seen = runtime.get(std::move(refs));
    examples::print_duration("put once, ref passed to each task", stopwatch.seconds());
    const double* stored = runtime.get(matrix_ref).data();
    std::size_t shared = 0;
    for (const double* address : seen) shared += address == stored;
    std::printf("  %-34s tasks that read the stored matrix = %zu of %zu\n", "", shared, task_count);
    checks.expect(shared == task_count, "every task given the ref reads the one stored matrix");
  }

  return checks.exit_code();
}
