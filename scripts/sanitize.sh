#!/usr/bin/env bash
# Sanitizer runs. `bash scripts/sanitize.sh tsan` or `asan` builds that preset and runs the whole suite under it (what
# `scripts/test.sh tsan` does, without installing anything). `--ci` runs the subset CI runs after the release suite:
# the unit and internal tests of the scheduler, actors, buffers, retries, cancellation, spilling, shutdown and the
# stress tests, at the stress tests' CI size.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:?usage: scripts/sanitize.sh asan|tsan [--ci]}
mode=${2:-all}
case "$preset" in asan | tsan) ;; *) echo "sanitize.sh: the preset is asan or tsan, not '$preset'" >&2; exit 2 ;; esac

launcher=()
if command -v ccache > /dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake --preset "$preset" "${launcher[@]}" > /dev/null

if [[ "$mode" == "--ci" ]]; then
  targets=(hetsched_unit_tests hetsched_internal_tests)
  if [[ -f tests/stress/CMakeLists.txt ]]; then targets+=(hetsched_stress); fi
  cmake --build --preset "$preset" --target "${targets[@]}"
  # The concurrent structures: scheduler, executor hand-offs, actors and their mailboxes, buffers and the store,
  # retries, cancellation, spilling, shutdown, the listings, and the stress tests.
  ctest --preset "$preset" -j2 -L 'unit|internal|stress' --output-on-failure \
    -R '^(Scheduler|Actor|ActorRestart|Resources|Buffer|BufferEviction|BufferAfterFailure|Retry|Cancel|Spill|HostBudgetTest|Shutdown|Stress|Get|Wait|Put|Tasks|NestedGet|SelfDeadlock|ListTasks|ListObjects|ListActors|ObjectRegistry|Counters|Timeline|Advice|RecordPool|BlockPool|HostMemorySystem|SpareThreads|ReleaseThread|Variants)\.|stress'
else
  cmake --build --preset "$preset"
  ctest --preset "$preset" -j2
fi
