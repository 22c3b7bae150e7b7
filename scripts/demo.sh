#!/usr/bin/env bash
# The README's first command: install dependencies, build, print what hetsched detected, run a seed example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release -DHETSCHED_BUILD_TESTS=OFF -DHETSCHED_BUILD_BENCHMARKS=OFF
cmake --build --preset release
./build/release/src/hetsched info
./build/release/examples/example_delay_get
