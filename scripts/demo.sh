#!/usr/bin/env bash
# The README's first command: install dependencies, build, print what hetsched detected, run a seed example, then
# simulate a placement (a table and an HTML picture of the schedules).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release -DHETSCHED_BUILD_TESTS=OFF -DHETSCHED_BUILD_BENCHMARKS=OFF
cmake --build --preset release
./build/release/src/hetsched info
./build/release/examples/example_delay_get
# Which placement policy suits a 4-GPU node: a simulated 12x12-tile Cholesky with StarPU's measured mirage timings.
./build/release/bench/placement/hetsched-bench placement --machine mirage,cpus=16,gpus=4 --tiles 12 \
  --policies pack,model --html build/release/placement-cholesky.html
