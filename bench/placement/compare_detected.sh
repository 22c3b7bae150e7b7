#!/bin/sh
# Simulated vs real makespans (BENCHMARKS.md, placement): runs `hetsched-bench placement --machine detected,...`
# REPEATS times with the given arguments and prints, per policy, the median, lowest and highest real/simulated ratio.
# Usage: bench/placement/compare_detected.sh BENCH REPEATS ARGS...   (e.g. build/release/bench/placement/hetsched-bench
#        3 --tiles 12 --machine detected,gpus=2 --time-scale 10)
set -eu
bench=$1
repeats=$2
shift 2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
i=0
while [ "$i" -lt "$repeats" ]; do
  "$bench" placement "$@" --json >"$out/run$i.json" 2>/dev/null
  i=$((i + 1))
done
python3 - "$out" <<'PY'
import glob, json, statistics, sys
runs = [json.load(open(path)) for path in sorted(glob.glob(sys.argv[1] + "/run*.json"))]
print(f"{runs[0]['workload']} on {runs[0]['machine']['name']}: {runs[0]['machine']['cpus']} CPUs, "
      f"{runs[0]['machine']['gpus']} GPUs, links {runs[0]['machine']['h2d_bytes_per_s'] / 1e9:.2f} GB/s, "
      f"{runs[0]['machine']['copy_lanes']} copy lanes; {len(runs)} runs")
print(f"{'policy':<10} {'simulated_s':>12} {'real_s (median)':>16} {'real/sim median':>16} {'min':>7} {'max':>7} "
      f"{'overrun_us':>11}")
for i, first in enumerate(runs[0]["real"]):
    ratios = [run["real"][i]["ratio_to_simulated"] for run in runs]
    reals = [run["real"][i]["makespan_s"] for run in runs]
    overrun = statistics.median(run["real"][i]["mean_overrun_s"] for run in runs) * 1e6
    print(f"{first['policy']:<10} {first['simulated_makespan_s']:>12.4f} {statistics.median(reals):>16.4f} "
          f"{statistics.median(ratios):>16.3f} {min(ratios):>7.3f} {max(ratios):>7.3f} {overrun:>11.0f}")
PY
