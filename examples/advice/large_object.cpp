// The advisor's twin of seeds/000 tip 3 ("Avoid passing same object repeatedly to remote tasks"): `wrong` passes a
// matrix by value to 10 no_work tasks, each remote() copying it; `right` puts it once and passes the ref. The
// advisor must report the wrong one once (repeated_large_argument) and the right one never. The matrix is
// 1000 x 1000 doubles (8 MB) instead of the seed's 5000 x 5000, to keep the test light; the advisor looks at any
// argument from 1 MiB.
#include <cstddef>
#include <cstdio>
#include <vector>

#include "advice_log.hpp"

namespace {

using Matrix = std::vector<double>;

double no_work(const Matrix& matrix) { return matrix[matrix.size() / 2]; }

}  // namespace

int main(int argc, char** argv) {
  bool valid = false;
  const bool wrong = examples::wrong_variant(argc, argv, valid);
  if (!valid) return 2;
  examples::AdviceLog log;
  std::vector<double> seen;
  {
    hetsched::Runtime runtime{log.config()};
    Matrix matrix(std::size_t{1000} * 1000, 0.0);
    std::vector<hetsched::ObjectRef<double>> refs;
    if (wrong) {
      for (int i = 0; i < 10; ++i) refs.push_back(runtime.task(no_work).remote(matrix));  // a copy each time
    } else {
      hetsched::ObjectRef<Matrix> stored = runtime.put(std::move(matrix));
      for (int i = 0; i < 10; ++i) refs.push_back(runtime.task(no_work).remote(stored));
    }
    seen = runtime.get(std::move(refs));
  }
  if (seen != std::vector<double>(10, 0.0)) {
    std::fprintf(stderr, "CHECK FAILED: a task saw a matrix that is not all zeros\n");
    return 1;
  }
  return log.check(wrong, hetsched::AdviceKind::repeated_large_argument);
}
