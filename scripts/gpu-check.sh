#!/usr/bin/env bash
# Every GPU check in one run, for the rare machine with an NVIDIA GPU (README, "Checking on a GPU machine").
#
#   scripts/gpu-check.sh --prepare DIR    on an ordinary Debian/Ubuntu machine with network: downloads the .deb files
#                                          a bare GPU machine lacks (oneTBB, GoogleTest, Google Benchmark,
#                                          nlohmann-json, CLI11) into DIR
#   scripts/gpu-check.sh OUTDIR [--debs DIR]
#                                          on the GPU machine: unpacks those packages into a private prefix (never
#                                          into /), builds for the GPU's own architecture, runs the GPU tests, the
#                                          sticky-error programs, the Thrust examples, the tiled Cholesky's GPU bodies
#                                          (where OpenBLAS and LAPACKE are installed), compute-sanitizer, the memory
#                                          probe and the GPU benchmarks (cuSOLVER's whole-matrix potrf against the tiled
#                                          Cholesky on hetsched among them), and writes every log and summary.txt under
#                                          OUTDIR. DIR defaults to .gpu-debs in the repository (kept out of git).
#
# Where there is no GPU it says so and exits 0. On a GPU machine the whole run keeps within HETSCHED_GPU_CHECK_BUDGET
# seconds (480 by default: 8 minutes on one H200); each step gets a `timeout` from what is left (the build at most
# HETSCHED_GPU_CHECK_BUILD_LIMIT, 240 s by default), and the full-size benchmarks use whatever time remains. Exits 1
# when a check failed, 0 when all passed (a program that exits 77 counts as skipped).
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# Bookworm names; each -dev package with the runtime libraries it links to. oneTBB's CMake files name its tbbbind
# library, so that package must be there too (TBB loads it only when hwloc is present, and runs without it).
deb_packages=(
  libtbb-dev libtbb12 libtbbmalloc2 libtbbbind-2-5
  libgtest-dev libgmock-dev
  libbenchmark-dev libbenchmark1debian
  nlohmann-json3-dev
  libcli11-dev
  libxxhash-dev
)

usage() {
  echo "usage: $0 --prepare DIR | $0 OUTDIR [--debs DIR]" >&2
  exit 2
}

# ---- the preparing half -------------------------------------------------------------------------------------------
prepare() {
  local dir=$1
  mkdir -p "$dir" || exit 1
  dir=$(cd "$dir" && pwd)
  # apt-cache knows nothing before the first update on a fresh machine.
  if ! apt-cache show "${deb_packages[0]}" >/dev/null 2>&1; then
    echo "gpu-check: updating the package lists (apt-get update)"
    apt-get update -qq || { echo "gpu-check: apt-get update failed" >&2; exit 1; }
  fi
  echo "gpu-check: downloading ${#deb_packages[@]} packages into $dir"
  # apt-get download writes into the current directory; downloading as the caller spares the _apt sandbox user a
  # folder it may not be able to write.
  (cd "$dir" && apt-get download -q -o APT::Sandbox::User="$(id -un)" "${deb_packages[@]}") ||
    { echo "gpu-check: apt-get download failed" >&2; exit 1; }
  local total
  total=$(du -ch "$dir"/*.deb | tail -1 | cut -f1)
  ls -1 "$dir"/*.deb
  echo "gpu-check: $(ls "$dir"/*.deb | wc -l) .deb files, $total, in $dir"
  echo "gpu-check: on the GPU machine run: scripts/gpu-check.sh OUTDIR --debs $dir"
}

if [ $# -ge 1 ] && [ "$1" = "--prepare" ]; then
  [ $# -eq 2 ] || usage
  prepare "$2"
  exit 0
fi

# ---- the checking half --------------------------------------------------------------------------------------------
[ $# -ge 1 ] || usage
out=$1
shift
debs=${HETSCHED_GPU_DEBS:-$repo/.gpu-debs}
while [ $# -gt 0 ]; do
  case $1 in
    --debs) [ $# -ge 2 ] || usage; debs=$2; shift 2 ;;
    *) usage ;;
  esac
done
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)
summary=$out/summary.txt
: >"$summary"
budget=${HETSCHED_GPU_CHECK_BUDGET:-480}
started=$SECONDS
failures=0
passes=0

say() { echo "gpu-check: $*"; }
# dpkg -x DEB DIR, or the same with ar and tar where there is no dpkg; never installs anything.
unpack_deb() {
  if command -v dpkg >/dev/null 2>&1; then
    dpkg -x "$1" "$2"
  else
    local member decompress
    member=$(ar t "$1" | grep '^data\.tar') || return 1
    case $member in *.xz) decompress=(xz -dc) ;; *.zst) decompress=(zstd -dc) ;; *.gz) decompress=(gzip -dc) ;;
      *) decompress=(cat) ;; esac
    ar p "$1" "$member" | "${decompress[@]}" | tar -x -C "$2"
  fi
}
note() { echo "$*" | tee -a "$summary"; }
left() { echo $((budget - (SECONDS - started))); }
# The smaller of `want` seconds and what is left less `reserve`; at least 1.
limit() {
  local want=$1 reserve=${2:-0} rest
  rest=$(($(left) - reserve))
  [ "$rest" -lt "$want" ] && want=$rest
  [ "$want" -lt 1 ] && want=1
  echo "$want"
}
# Runs a command with a time limit, output to LOG; records its outcome and time in the summary (exit 77 is a skip).
# usage: step NAME LIMIT LOG command...
step() {
  local name=$1 seconds=$2 log=$3 begin status
  shift 3
  begin=$SECONDS
  say "$name (limit ${seconds} s) -> ${log#"$out"/}"
  timeout --kill-after=10 "$seconds" "$@" >"$log" 2>&1
  status=$?
  if [ $status -eq 0 ]; then
    note "  ok      $name ($((SECONDS - begin)) s)"
    passes=$((passes + 1))
  elif [ $status -eq 77 ]; then
    note "  skipped $name: $(grep -m1 -i 'skipped' "$log")"
  elif [ $status -eq 124 ] || [ $status -eq 137 ]; then
    note "  TIMEOUT $name after $((SECONDS - begin)) s (limit $seconds s)"
    failures=$((failures + 1))
  else
    note "  FAILED  $name: exit $status ($((SECONDS - begin)) s); see ${log#"$out"/}"
    failures=$((failures + 1))
  fi
  return $status
}

note "hetsched GPU check, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null)"

# No GPU: say why, exit 0.
no_gpu=""
if ! command -v nvidia-smi >/dev/null 2>&1; then
  no_gpu="nvidia-smi not found (no NVIDIA driver)"
elif ! nvidia-smi -L >"$out/nvidia-smi-L.txt" 2>&1 || ! grep -q '^GPU ' "$out/nvidia-smi-L.txt"; then
  no_gpu="nvidia-smi lists no GPU: $(head -1 "$out/nvidia-smi-L.txt")"
fi
if [ -n "$no_gpu" ]; then
  note "no GPU here: $no_gpu; nothing to check (the GPU tests skip themselves in the ordinary test suite)"
  exit 0
fi

# ---- environment ----
nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
[ -x "$nvcc" ] || { note "a GPU is here but nvcc is not (PATH or /usr/local/cuda/bin): cannot build"; exit 1; }
cuda_bin=$(dirname "$nvcc")
export PATH=$cuda_bin:$PATH
{
  nvidia-smi
  echo
  nvidia-smi --query-gpu=index,name,driver_version,compute_cap,mig.mode.current,memory.total,memory.used \
    --format=csv
  echo
  "$nvcc" --version
  cmake --version | head -1
  echo "ninja $(ninja --version 2>/dev/null || echo missing)"
  echo "c++: $(c++ --version 2>/dev/null | head -1)"
  uname -a
  grep PRETTY_NAME /etc/os-release 2>/dev/null
} >"$out/environment.txt" 2>&1
gpu_line=$(nvidia-smi --query-gpu=name,driver_version,compute_cap,mig.mode.current,memory.total \
  --format=csv,noheader | head -1)
gpu_count=$(grep -c '^GPU ' "$out/nvidia-smi-L.txt")
note "GPU: $gpu_line ($gpu_count in all; name, driver, compute capability, MIG mode, memory)"
# Every distinct compute capability of the machine, e.g. "9.0" -> 90.
archs=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | tr -d ' .' | sort -u | paste -sd';')
note "building for CMAKE_CUDA_ARCHITECTURES=$archs"

# ---- the private prefix ----
build=$repo/build/gpu-check
prefix=$build/prefix
prefix_path=""
if ls "$debs"/*.deb >/dev/null 2>&1; then
  rm -rf "$prefix" && mkdir -p "$prefix"
  for deb in "$debs"/*.deb; do unpack_deb "$deb" "$prefix" || { note "unpacking $deb failed"; exit 1; }; done
  prefix_path=$prefix/usr
  export LD_LIBRARY_PATH=$prefix/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  note "packages: $(ls "$debs"/*.deb | wc -l) .deb files from $debs unpacked into $prefix"
else
  note "packages: no .deb files in $debs; relying on the system's (run --prepare elsewhere if configure fails)"
fi

# ---- build ----
launcher=()
command -v ccache >/dev/null 2>&1 &&
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
step "configure" "$(limit 90)" "$out/configure.log" \
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER="$nvcc" \
  -DCMAKE_CUDA_ARCHITECTURES="$archs" -DHETSCHED_CUDA=ON -DHETSCHED_INSTALL=OFF \
  ${prefix_path:+-DCMAKE_PREFIX_PATH="$prefix_path"} "${launcher[@]}" || { note "configure failed"; exit 1; }
grep -E '^(TBB|GTest|benchmark|nlohmann_json|CLI11)_DIR:' "$build/CMakeCache.txt" | sed 's/^/  found /' |
  tee -a "$summary"
# Only what the GPU checks run: the library, `hetsched info`, the GPU tests, examples, probe and benchmarks.
gpu_target_names='hetsched_info|hetsched_gpu_[a-z0-9_]+|bench_gpu_[a-z_]+'
gpu_target_names+='|example_(gpu_pipeline|fractional_gpu|cholesky)'
gpu_targets=$(ninja -C "$build" -t targets all 2>/dev/null | grep -oE "^($gpu_target_names):" | tr -d ':' | sort -u)
# shellcheck disable=SC2086 # one target per word
step "build ($(echo $gpu_targets | wc -w) targets)" "$(limit "${HETSCHED_GPU_CHECK_BUILD_LIMIT:-240}")" \
  "$out/build.log" \
  cmake --build "$build" --parallel "$(nproc)" --target $gpu_targets || { note "build failed"; exit 1; }

# ---- what the binaries hold ----
gpu_binaries=$(find "$build" -type f -executable \( -name 'hetsched_gpu_*' -o -name 'example_gpu_pipeline' \
  -o -name 'example_fractional_gpu' -o -name 'example_cholesky' -o -name 'bench_gpu_*' \) | sort)
"$build/src/hetsched" info >"$out/hetsched-info.txt" 2>&1
sed -n '/^gpus/,/^$/p' "$out/hetsched-info.txt" | sed -e '/^$/d' -e 's/^/  hetsched info: /' | tee -a "$summary"
{
  for binary in "$build/src/libhetsched.a" $gpu_binaries; do
    echo "== ${binary#"$build"/}"
    cuobjdump --list-elf "$binary" 2>&1 | sed 's/^/  /'
  done
} >"$out/binaries.txt" 2>&1
missing_code=""
command -v cuobjdump >/dev/null 2>&1 || missing_code=" (cuobjdump is not on PATH)"
for binary in $gpu_binaries; do
  [ -n "$missing_code" ] && break
  # The kernel-image tests are built for other architectures on purpose.
  case $binary in *kernel_image*) continue ;; esac
  for arch in ${archs//;/ }; do
    cuobjdump --list-elf "$binary" 2>/dev/null | grep -q "sm_$arch" || missing_code+=" ${binary##*/}(sm_$arch)"
  done
done
if [ -z "$missing_code" ]; then
  note "  ok      every GPU binary holds sm_${archs//;/, sm_} code (cuobjdump --list-elf; binaries.txt)"
else
  note "  FAILED  no code for this GPU in:$missing_code"
  failures=$((failures + 1))
fi

# ---- GPU tests ----
# ctest prints each test's time. The sticky-error programs, the probe, the examples and the benchmarks run on their
# own below.
step "ctest -L gpu" "$(limit 150 200)" "$out/ctest-gpu.log" \
  ctest --test-dir "$build" -L gpu -LE 'bench|example|probe' -E 'GpuStickyError' -j1 --output-on-failure \
  --timeout 120
grep -E 'tests passed|tests failed' "$out/ctest-gpu.log" | sed 's/^/  /' | tee -a "$summary"
note "  $(grep -c '\*\*\*Skipped' "$out/ctest-gpu.log") of them skipped"
grep -E '\*\*\*(Failed|Timeout|Exception)|\(Failed\)|Not Run' "$out/ctest-gpu.log" | sed 's/^/  /' | tee -a "$summary"

for program in hetsched_gpu_sticky_error_tests hetsched_gpu_sticky_error_host_function_tests; do
  step "$program, alone" "$(limit 110 150)" "$out/$program.log" "$build/tests/cuda/$program"
  grep -E '^(completion mode|sticky:)' "$out/$program.log" | sed 's/^/  /' | tee -a "$summary"
done

for example in gpu_pipeline fractional_gpu; do
  step "example_$example" "$(limit 60 120)" "$out/example_$example.log" "$build/examples/example_$example"
  grep -E 'sum of|exclusive / shared|distinct streams|four at' "$out/example_$example.log" | sed 's/^/  /' |
    tee -a "$summary"
done

# ---- the tiled Cholesky's GPU bodies (cuBLAS/cuSOLVER) ----
# Built only where OpenBLAS and LAPACKE are (its CPU bodies); the quick runs here, the full sizes after the benchmarks.
cholesky=$build/examples/cholesky/example_cholesky
cholesky_lines='^(cholesky:|bodies:|GFlop/s:|residual:|FAILED)'
if [ -x "$cholesky" ]; then
  # One real GPU and one logical one: the factorisation is right with real GPU bodies, host-run GPU bodies and CPU
  # bodies mixed, and both kinds of body ran.
  step "example_cholesky, mixed bodies" "$(limit 60 120)" "$out/example_cholesky.mixed.log" \
    "$cholesky" --size 1920 --tile 240 --gpus 2 --gpu-share 1 --expect-both-bodies
  grep -E "$cholesky_lines" "$out/example_cholesky.mixed.log" | sed 's/^/  /' | tee -a "$summary"
  for policy in pack model; do
    step "example_cholesky 3840/960 --gpus 1 --policy $policy" "$(limit 60 120)" \
      "$out/example_cholesky.3840.$policy.log" "$cholesky" --size 3840 --tile 960 --gpus 1 --policy "$policy"
    grep -E "$cholesky_lines" "$out/example_cholesky.3840.$policy.log" | sed 's/^/  /' | tee -a "$summary"
  done
else
  note "  skipped example_cholesky: not built (OpenBLAS or LAPACKE missing, see configure.log)"
fi

# ---- compute-sanitizer on the non-sticky GPU tests ----
# memcheck runs one kernel at a time, so the tests whose kernels must meet on the device cannot pass under it.
concurrent_tests='GpuTask.FourQuarter*:GpuTask.AGpuTaskGivesItsCpuBack*:*AtTheSameTime*:*Concurrently*'
if command -v compute-sanitizer >/dev/null 2>&1; then
  step "compute-sanitizer memcheck --leak-check full" "$(limit 150 120)" "$out/compute-sanitizer.log" \
    compute-sanitizer --tool memcheck --leak-check full --error-exitcode 99 \
    "$build/tests/cuda/hetsched_gpu_tests" --gtest_filter="-$concurrent_tests"
  grep -E 'ERROR SUMMARY|LEAK SUMMARY|Device not supported' "$out/compute-sanitizer.log" | sed 's/^/  /' |
    tee -a "$summary"
  # The Cholesky's cuBLAS/cuSOLVER handles and workspaces are all freed before exit (leak check), small sizes.
  if [ -x "$cholesky" ]; then
    step "compute-sanitizer --leak-check full example_cholesky" "$(limit 90 120)" \
      "$out/compute-sanitizer.cholesky.log" compute-sanitizer --tool memcheck --leak-check full --error-exitcode 99 \
      "$cholesky" --size 960 --tile 240 --gpus 1 --double
    grep -E 'ERROR SUMMARY|LEAK SUMMARY|Device not supported' "$out/compute-sanitizer.cholesky.log" |
      sed 's/^/  /' | tee -a "$summary"
  fi
else
  note "  skipped compute-sanitizer: not on PATH"
fi

# ---- the memory probe (defects 1 and 4) ----
step "gpu memory probe" "$(limit 90 90)" "$out/gpu_memory_probe.log" "$build/tests/cuda/hetsched_gpu_memory_probe"
grep -E '^probe:' "$out/gpu_memory_probe.log" | sed 's/^/  /' | tee -a "$summary"

# ---- benchmarks: quick sizes, then full sizes while time remains ----
benchmarks=$(find "$build/bench" -maxdepth 1 -type f -executable -name 'bench_gpu_*' | sort)
for binary in $benchmarks; do
  name=${binary##*/}
  step "$name, quick" "$(limit 60 30)" "$out/$name.quick.log" \
    env HETSCHED_BENCH_QUICK=1 "$binary" --benchmark_min_time=0.01
done
# Issue 11's GPU figure first among the full sizes: cuSOLVER's potrf on the whole matrix (bench_gpu_potrf, N = 7680
# and 15360) and the tiled Cholesky on hetsched at the same sizes, tile 960, one after the other so that the pair is
# measured together or not at all. The example's host makes the matrix and checks the residual, so each of its runs
# takes some seconds beyond the factorisation.
potrf_bench=$build/bench/bench_gpu_potrf
potrf_paired=""
if [ -x "$potrf_bench" ] && [ -x "$cholesky" ]; then
  potrf_paired=$potrf_bench
  if [ "$(left)" -lt 45 ]; then
    note "  skipped bench_gpu_potrf, full sizes: $(left) s left"
  else
    step "bench_gpu_potrf, full" "$(limit 120 15)" "$out/bench_gpu_potrf.full.log" "$potrf_bench"
  fi
  for run in "7680 pack" "7680 model" "7680 model --double" "15360 pack" "15360 model"; do
    read -r size policy precision <<<"$run"
    name="example_cholesky $size/960 --gpus 1 --policy $policy${precision:+ $precision}"
    log=$out/example_cholesky.$size.$policy${precision:+.double}.log
    if [ "$(left)" -lt 45 ]; then
      note "  skipped $name: $(left) s left"
      continue
    fi
    # shellcheck disable=SC2086 # the precision flag is one word or none
    step "$name" "$(limit 90 15)" "$log" "$cholesky" --size "$size" --tile 960 --gpus 1 --policy "$policy" $precision
    grep -E "$cholesky_lines" "$log" | sed 's/^/  /' | tee -a "$summary"
  done
fi
for binary in $benchmarks; do
  name=${binary##*/}
  [ "$binary" = "$potrf_paired" ] && continue  # run above, beside the Cholesky
  if [ "$(left)" -lt 45 ]; then
    note "  skipped $name, full sizes: $(left) s left"
    continue
  fi
  step "$name, full" "$(limit 120 15)" "$out/$name.full.log" "$binary"
done
for log in "$out"/bench_gpu_*.log; do
  [ -e "$log" ] || continue
  echo "  ${log##*/}:" >>"$summary"
  grep -E ' [0-9.]+ (ns|us|ms|s) +[0-9.]+ (ns|us|ms|s) ' "$log" | sed 's/^/    /' >>"$summary"
done

note "finished in $((SECONDS - started)) s of $budget: $passes step(s) passed, $failures failed; logs in $out"
[ "$failures" -eq 0 ]
