// The command line: example_cholesky --size N --tile B [--double] [--policy NAME] [--gpus N] [--gpu-share F]
// [--expect-both-bodies] [--seed S].
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace cholesky {

/// What one run factors, and how.
struct Options {
  int size = 2048;                ///< Order N of the matrix.
  int tile = 256;                 ///< Order B of a tile; divides N.
  bool use_double = false;        ///< Double precision instead of single.
  std::string policy;             ///< Config::placement_policy; empty keeps hetsched's default (or HETSCHED_PLACEMENT).
  std::uint64_t seed = 20240611;  ///< Seed of the generated matrix.
  int gpus = -1;                  ///< Config::num_gpus (logical GPUs beyond the hardware); -1 keeps hetsched's default.
  /// The GPU body's demand, a fraction of one GPU. A 960 x 960 tile's GEMM is some 30 to 60 thread blocks of
  /// cuBLAS's 128- and 256-wide output tiles, under half of an H200's 132 SMs, and lasts tens of microseconds, not
  /// much more than a task's dispatch and its copies: four in flight per GPU fill the SMs and overlap one task's
  /// copies and launch with the others' kernels, and four stay below the runtime's eight streams per GPU.
  double gpu_share = 0.25;
  bool expect_both_bodies = false;  ///< Fail unless both the CPU and the GPU bodies ran at least once.
};

/// Declares the options on `app`, writing into `options` when it parses; a size that the tile does not divide is a
/// CLI11 validation error.
inline void add_options(CLI::App& app, Options& options) {
  app.add_option("--size", options.size, "order N of the matrix")->check(CLI::PositiveNumber);
  app.add_option("--tile", options.tile, "order B of a tile (divides N)")->check(CLI::PositiveNumber);
  app.add_flag("--double", options.use_double, "double precision (default: single)");
  app.add_option("--policy", options.policy, "hetsched placement policy (Config::placement_policy)");
  app.add_option("--seed", options.seed, "seed of the generated SPD matrix");
  app.add_option("--gpus", options.gpus,
                 "GPUs of the runtime (Config::num_gpus; beyond the hardware they are logical: host memory, no stream)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--gpu-share", options.gpu_share,
                 "fraction of a GPU a GPU body asks for (1 = a whole GPU; 0.25 = four tiles' kernels per GPU)")
      ->check(CLI::Range(0.01, 1.0));
  app.add_flag("--expect-both-bodies", options.expect_both_bodies,
               "fail unless both the CPU and the GPU bodies ran at least once (for tests on logical GPUs)");
  app.callback([&options] {
    if (options.size % options.tile != 0) {
      throw CLI::ValidationError("--size", "the tile order " + std::to_string(options.tile) +
                                               " must divide the matrix order " + std::to_string(options.size));
    }
  });
}

}  // namespace cholesky
