#!/usr/bin/env bash
# Spill and restore bandwidth of the host budget (bench_spill) beside the disk's own, in one run:
#   dd of 1 GiB into the spill directory, with conv=fdatasync (the disk) and without (the page cache), dd reading it
#   back (cached, then after dropping it from the cache where allowed), then bench_spill (the store's spill/restore and
#   plain pwrite/pread of the same bytes). Prints the machine and its load first.
# Usage: bash bench/spill_bandwidth.sh [BUILD_DIR]   (default build/release; HETSCHED_SPILL_DIR picks the directory)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build/release}
dir=${HETSCHED_SPILL_DIR:-${TMPDIR:-/tmp}/hetsched-spill-$(id -u)}
mkdir -p -m 700 "$dir"
file="$dir/dd-test-$$.bin"
trap 'rm -f "$file"' EXIT

echo "== machine"; nproc; grep -m1 'model name' /proc/cpuinfo || true; free -g | head -2
df -h "$dir" | tail -1; echo "load: $(uptime)"
echo "== dd write 1 GiB to $dir, to the disk (conv=fdatasync)"
dd if=/dev/zero of="$file" bs=16M count=64 conv=fdatasync 2>&1 | tail -1
rm -f "$file"
echo "== dd write 1 GiB, page cache (no sync)"
dd if=/dev/zero of="$file" bs=16M count=64 2>&1 | tail -1
echo "== dd read 1 GiB (cached)"
dd if="$file" of=/dev/null bs=16M 2>&1 | tail -1
if dd if="$file" of=/dev/null bs=16M iflag=direct count=1 >/dev/null 2>&1; then
  echo "== dd read 1 GiB (O_DIRECT, the disk)"
  dd if="$file" of=/dev/null bs=16M iflag=direct 2>&1 | tail -1
fi
rm -f "$file"
echo "== bench_spill"
HETSCHED_SPILL_DIR="$dir" "$build/bench/bench_spill"
echo "load after: $(uptime)"
