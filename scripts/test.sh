#!/usr/bin/env bash
# The README's second command: install dependencies, build everything, run the whole test suite with ctest.
# Pass a preset name (release, debug, asan, tsan) to test another build; the default is release.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
bash scripts/install-deps.sh
cmake --preset "$preset"
cmake --build --preset "$preset"
ctest --preset "$preset" -j2
