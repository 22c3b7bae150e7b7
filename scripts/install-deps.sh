#!/usr/bin/env bash
# Installs what hetsched builds with, from Debian/Ubuntu packages (no-op for what is already there).
set -euo pipefail
packages=(cmake ninja-build g++ libtbb-dev libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev
          libopenblas-dev liblapacke-dev pkg-config libxxhash-dev libglpk-dev libfmt-dev)  # OpenBLAS/LAPACKE: examples/cholesky; xxHash: spill files; GLPK, fmt: bench/placement
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
