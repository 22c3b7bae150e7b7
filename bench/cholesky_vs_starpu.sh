#!/usr/bin/env bash
# Tiled Cholesky, side by side in one run: hetsched's example_cholesky, StarPU 1.3's own cholesky_implicit (Debian
# starpu-examples) and OpenBLAS's spotrf on the whole matrix with 2 threads (bench_spotrf_baseline, the ceiling), all
# in single precision on the same tile size. The three programs take turns (the order rotates from run to run), and
# each run records the 1-minute load average before it, so a figure taken on a busy machine says so.
#
#   bash bench/cholesky_vs_starpu.sh [--runs 3] [--tile 960] [--sizes "3840 7680"] [--large] [--build build/release]
#
# --large adds N = 15360. Prints every run, then min / median / max GFlop/s of each program per size, and the ratios
# of the medians hetsched / StarPU and hetsched / spotrf. Target (issue 11): at N = 7680, tile 960, on 2 CPUs,
# hetsched >= StarPU and hetsched >= spotrf / 1.25.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3
tile=960
sizes="3840 7680"
build=build/release
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --tile) tile=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --large) sizes="$sizes 15360"; shift ;;
    --build) build=$2; shift 2 ;;
    *) echo "unknown argument: $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

starpu=/usr/lib/x86_64-linux-gnu/starpu/examples/cholesky_implicit
if [ ! -x "$starpu" ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq starpu-examples
  starpu=$(dpkg -L starpu-examples | grep '/cholesky_implicit$' | head -n 1)
fi

if [ ! -f "$build/CMakeCache.txt" ]; then cmake --preset release >/dev/null; fi
cmake --build "$build" --target example_cholesky bench_spotrf_baseline >/dev/null
hetsched_bin="$build/examples/cholesky/example_cholesky"
spotrf_bin="$build/bench/bench_spotrf_baseline"

# GFlop/s of one run of program $1 at order $2, from the program's own report.
measure() {
  local program=$1 n=$2
  case "$program" in
    hetsched) "$hetsched_bin" --size "$n" --tile "$tile" | awk '/^GFlop\/s:/ { print $2 }' ;;
    starpu) STARPU_SILENT=1 OPENBLAS_NUM_THREADS=1 "$starpu" -size "$n" -nblocks $((n / tile)) |
              awk -v n="$n" '$1 == n { print $3 }' ;;
    spotrf) "$spotrf_bin" --size "$n" --threads 2 | awk '/^GFlop\/s:/ { print $2 }' ;;
  esac
}

# "min median max" of the numbers on standard input.
summarise() {
  sort -g | awk '{ v[NR] = $1 }
    END { printf "%.1f %.1f %.1f\n", v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR] }'
}

programs=(hetsched starpu spotrf)
results=$(mktemp)
trap 'rm -f "$results"' EXIT
echo "machine: $(nproc) CPUs; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "start: $(uptime)"
for n in $sizes; do
  for ((run = 0; run < runs; ++run)); do
    for ((p = 0; p < ${#programs[@]}; ++p)); do
      program=${programs[$(((p + run) % ${#programs[@]}))]}
      load=$(cut -d' ' -f1 /proc/loadavg)
      gflops=$(measure "$program" "$n") || { echo "$program failed at N=$n (a residual check, for hetsched)" >&2; exit 1; }
      [ -n "$gflops" ] || { echo "$program at N=$n printed no GFlop/s" >&2; exit 1; }
      printf 'N=%-6s run %d  %-9s %8.1f GFlop/s  (load %s)\n' "$n" $((run + 1)) "$program" "$gflops" "$load"
      echo "$n $program $gflops" >> "$results"
    done
  done
done
echo "end: $(uptime)"

echo
printf '%-6s %-9s %21s\n' N program "GFlop/s min/med/max"
for n in $sizes; do
  declare -A median=()
  for program in "${programs[@]}"; do
    read -r low mid high < <(awk -v n="$n" -v p="$program" '$1 == n && $2 == p { print $3 }' "$results" | summarise)
    median[$program]=$mid
    printf '%-6s %-9s %7s %6s %6s\n' "$n" "$program" "$low" "$mid" "$high"
  done
  awk -v n="$n" -v h="${median[hetsched]}" -v s="${median[starpu]}" -v o="${median[spotrf]}" \
    'BEGIN { printf "%-6s ratios of medians: hetsched/StarPU %.2f, hetsched/spotrf %.2f", n, h / s, h / o
             print " (target at 7680: >= 1.00 and >= 0.80)" }'
  unset median
done
