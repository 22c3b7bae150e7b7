#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz/ (clang, ASan + UBSan): scripts/fuzz.sh [TARGET|all] [SECONDS]
#   TARGET: config_environment, resource_list, perf_model, machine_spec, machine_file, workload_json, cgroup, or all
#           (the default; each target gets SECONDS). SECONDS defaults to 120.
# Builds the `fuzz` preset, then fuzzes from the seeds in tests/fuzz/corpus/TARGET/. New inputs go to
# build/fuzz/corpus/TARGET/ (the checked-in seeds are never written); a crash, leak, timeout or broken contract stops
# the run and leaves its input in build/fuzz/artifacts/TARGET/ (replay it: build/fuzz/tests/fuzz/fuzz_TARGET FILE).
# Extra arguments after SECONDS go to libFuzzer (e.g. -jobs=2 -workers=2).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-all}
seconds=${2:-120}
shift $(( $# > 2 ? 2 : $# ))
all=(config_environment resource_list perf_model machine_spec machine_file workload_json cgroup)

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' > "$probe/probe.cpp"
if ! clang++ -fsanitize=fuzzer,address,undefined "$probe/probe.cpp" -o "$probe/probe" 2>"$probe/log"; then
  echo "fuzz.sh: clang++ cannot build a libFuzzer target here:" >&2
  cat "$probe/log" >&2
  echo "install clang with its runtime libraries (Debian/Ubuntu: apt-get install clang libclang-rt-dev)" >&2
  exit 1
fi

if [ "$target" = all ]; then targets=("${all[@]}"); else targets=("$target"); fi
for t in "${targets[@]}"; do
  if [ ! -d "tests/fuzz/corpus/$t" ]; then
    echo "fuzz.sh: unknown target '$t'; use one of: ${all[*]} or all" >&2
    exit 2
  fi
done

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
for t in "${targets[@]}"; do
  mkdir -p "build/fuzz/corpus/$t" "build/fuzz/artifacts/$t"
  echo "== fuzz_$t for ${seconds}s"
  dict=()  # the target's tokens, and JSON's for the JSON readers (tests/fuzz/dict/)
  case $t in perf_model|machine_file|workload_json)
    cat "tests/fuzz/dict/$t.dict" tests/fuzz/dict/json.dict > "build/fuzz/$t.dict"; dict=(-dict="build/fuzz/$t.dict");;
  cgroup) ;;
  *) dict=(-dict="tests/fuzz/dict/$t.dict");;
  esac
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "build/fuzz/tests/fuzz/fuzz_$t" "build/fuzz/corpus/$t" "tests/fuzz/corpus/$t" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
      -artifact_prefix="build/fuzz/artifacts/$t/" "${dict[@]}" "$@"
done
