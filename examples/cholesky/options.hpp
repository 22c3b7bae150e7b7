// The command line: example_cholesky --size N --tile B [--double] [--policy NAME] [--seed S].
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
};

/// Declares the options on `app`, writing into `options` when it parses; a size that the tile does not divide is a
/// CLI11 validation error.
inline void add_options(CLI::App& app, Options& options) {
  app.add_option("--size", options.size, "order N of the matrix")->check(CLI::PositiveNumber);
  app.add_option("--tile", options.tile, "order B of a tile (divides N)")->check(CLI::PositiveNumber);
  app.add_flag("--double", options.use_double, "double precision (default: single)");
  app.add_option("--policy", options.policy, "hetsched placement policy (Config::placement_policy)");
  app.add_option("--seed", options.seed, "seed of the generated SPD matrix");
  app.callback([&options] {
    if (options.size % options.tile != 0) {
      throw CLI::ValidationError("--size", "the tile order " + std::to_string(options.tile) +
                                               " must divide the matrix order " + std::to_string(options.size));
    }
  });
}

}  // namespace cholesky
