/// @file config.hpp
/// @brief Runtime configuration: logical CPUs, GPUs and custom resources.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "hetsched/advice.hpp"

namespace hetsched {

/// What a Runtime may use; every field is optional and defaults to what detection finds.
///
/// The environment overrides the fields set in code, so a program can be re-sized without recompiling:
/// `HETSCHED_NUM_CPUS=8`, `HETSCHED_NUM_GPUS=2`, `HETSCHED_RESOURCES='{"Custom": 2}'` or `'Custom=2,Disk=1'`,
/// `HETSCHED_PLACEMENT=spread`, `HETSCHED_GPU_COMPLETION=host_functions`, `HETSCHED_PERF_MODEL=models.json`,
/// `HETSCHED_OBJECT_STORE_BYTES=8G`, `HETSCHED_SPILL_DIR=/scratch/spill`, `HETSCHED_ADVICE=off`,
/// `HETSCHED_TIMELINE=run.json` (Runtime::timeline), `HETSCHED_PROGRESS=1` (a progress line on stderr each second).
///
/// Errors, checked when the Runtime starts: a HETSCHED_* value that cannot be used is a UsageError naming the
/// variable, whatever is wrong with it (text that does not parse, a name given twice, a name that is not a choice, a
/// quantity that breaks the resource rules). A field set in code keeps its own type: a bad count or custom resource
/// is a ResourceError, a bad placement_policy, gpu_completion, max_bypass or perf_model_path a UsageError.
struct Config {
  /// Logical CPU slots; default: usable cores (affinity mask and cgroup cpu.max aware). May exceed the cores.
  std::optional<int> num_cpus;
  /// GPUs; default: the CUDA devices found. Above the hardware count the extra GPUs are logical (host memory).
  std::optional<int> num_gpus;
  /// Device memory of each logical GPU (default 16 GiB): what tasks declaring gpu_memory() are placed against, and
  /// the capacity for buffer replicas there, beyond which the least recently used are evicted. Real GPUs offer 90%
  /// of their memory.
  std::optional<std::size_t> logical_gpu_memory;
  /// Custom resources, name -> quantity (fixed point, 1e-4; above 1 a whole number). A name is any non-empty text
  /// without whitespace or control characters (UTF-8 is fine: "disk-ssd/0", "accelerator:v100"); "CPU" and "GPU"
  /// are reserved.
  std::map<std::string, double> resources;
  /// A queued task may be overtaken by at most this many tasks behind it (later ones of its priority or lower); then
  /// the scheduler starts none of them until it fits (so a large demand is never starved by a stream of small ones),
  /// except while a task blocked in get holds a GPU share or custom resource (the task it waits for may be behind).
  int max_bypass = 64;
  /// How GPU demands are placed: "pack" (Ray's best fit, the default), "spread" (the device with the most capacity
  /// left), "locality" (the device holding the most of the task's buffer bytes), "model" (earliest predicted finish,
  /// counting transfers: StarPU's dmda), "dmdas" (the same, committing tasks to busy devices' own queues),
  /// "heteroprio" (dmdas, but an idle core takes a task it finishes within 3x the GPUs' backlog, as StarPU's
  /// heteroprio gives cores the kinds GPUs gain least on), "random" or "random:SEED" (a seeded draw);
  /// TaskBuilder::policy overrides it for one task, HETSCHED_PLACEMENT for the runtime. Another name is a UsageError.
  std::string placement_policy = "pack";
  /// How the runtime learns that a GPU task's stream has finished its work: "events" (the default: one progress thread
  /// polls an event recorded after each task) or "host_functions" (a cudaLaunchHostFunc after each task wakes that
  /// thread). Both are kept so they can be measured against each other (bench_gpu_dispatch); HETSCHED_GPU_COMPLETION
  /// overrides it; another name is a UsageError. No effect without a real GPU.
  std::string gpu_completion = "events";
  /// Host memory the object store may hold (default: 30% of the detected memory, as Ray's object store). Past it,
  /// the least recently used objects nothing is reading are spilled to `spill_dir` and read back when used (see
  /// serializer.hpp for what can be spilled). HETSCHED_OBJECT_STORE_BYTES overrides it (a byte count, or with a
  /// K/M/G suffix: 512M); 0 is a UsageError.
  std::optional<std::size_t> object_store_bytes;
  /// Where spilled objects go (default: `hetsched-spill-<uid>` under TMPDIR, or /tmp). Made 0700 when missing; it
  /// must be a real directory (not a symbolic link) owned by this user with no access for others. HETSCHED_SPILL_DIR
  /// overrides it.
  std::optional<std::string> spill_dir;
  /// Objects spilled together are written into one file of at least this many bytes when there is that much to
  /// spill (default 100 MiB, as Ray fuses spilled objects): large sequential writes, one file per batch.
  std::size_t spill_batch_bytes = std::size_t{100} << 20;
  /// Where the performance models (run times per task, measured bandwidths) are kept between runs: loaded when the
  /// Runtime starts, so a second run starts calibrated, and rewritten at shutdown. A missing file is created; a corrupt
  /// one or one from another version is ignored with a warning. Default none: the models live only for the
  /// Runtime's lifetime. HETSCHED_PERF_MODEL overrides it (set empty, it turns the file off). An empty path, a
  /// directory, or a file in a directory that does not exist is a UsageError when the Runtime starts.
  std::optional<std::string> perf_model_path;
  /// Where the advisor's reports go (advice.hpp; default: stderr): each mistake it knows is reported once per
  /// Runtime, with the fix. Set it to nullptr to silence the advisor, which then costs nothing. HETSCHED_ADVICE=off
  /// silences it too; HETSCHED_ADVICE=on brings it back (on stderr when the field is nullptr).
  AdviceSink advice = print_advice;
  /// Read the HETSCHED_* environment overrides (set false to make a test independent of the environment).
  bool read_environment = true;
};

}  // namespace hetsched
