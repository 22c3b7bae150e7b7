# Configures, builds and runs the consumer project (tests/consumer) in a fresh directory, once per preamble. Run by
# ctest as
#   cmake -D MODE=package|subdirectory -D CUDA=ON|OFF -D SETTINGS=<settings.cmake> -D CONFIG=<config>
#         -D WORK_DIR=<dir> -P run_consumer.cmake
# package:       installs a hetsched build to WORK_DIR/prefix and finds it with find_package (CMAKE_PREFIX_PATH): this
#                build when its HETSCHED_CUDA matches CUDA, else a CUDA-off build of the same sources made here;
# subdirectory:  the consumer adds the hetsched source tree with add_subdirectory, with HETSCHED_CUDA=${CUDA}.
# The preambles (plain, cxx20, cxx20_no_extensions) reconfigure one consumer build directory, so only the hetsched
# sources whose compile line a preamble changes are built again. With CUDA=ON and no CUDA layer in this build it
# prints "hetsched consumer skipped: <reason>", which ctest reports as skipped.
cmake_minimum_required(VERSION 3.24)

foreach(required IN ITEMS MODE CUDA SETTINGS WORK_DIR)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "run_consumer.cmake: -D ${required}=... is required")
  endif()
endforeach()
if(NOT MODE MATCHES "^(package|subdirectory)$")
  message(FATAL_ERROR "run_consumer.cmake: MODE must be package or subdirectory, not '${MODE}'")
endif()
include("${SETTINGS}")

if(CUDA AND NOT HETSCHED_CUDA)
  if(CONSUMER_CUDA_COMPILER)
    set(reason "this build of hetsched has HETSCHED_CUDA=OFF, so there is no CUDA layer to test")
  else()
    set(reason "no CUDA compiler (nvcc) was found when this build was configured")
  endif()
  message(NOTICE "hetsched consumer skipped: ${MODE} with CUDA on: ${reason}")
  return()
endif()

if(CONFIG)
  set(config "${CONFIG}")
else()
  set(config "${CONSUMER_BUILD_TYPE}")
endif()
set(variant "${MODE}, CUDA ${CUDA}")

# Runs a command, echoing it, and stops with its output when it fails.
function(run_step description)
  message(STATUS "${description}: ${ARGN}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "consumer (${variant}): ${description} failed (${result})")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# Everything a project is configured with goes through an initial cache, so lists and flags need no quoting: this
# build's settings, then what the caller appends.
function(write_initial_cache file)
  file(WRITE "${file}" "")
  list(LENGTH CONSUMER_CACHE length)
  math(EXPR last "${length} - 1")
  foreach(index RANGE 0 ${last} 2)
    math(EXPR value_index "${index} + 1")
    list(GET CONSUMER_CACHE ${index} name)
    list(GET CONSUMER_CACHE ${value_index} value)
    if(NOT value STREQUAL "")
      file(APPEND "${file}" "set(${name} [==[${value}]==] CACHE STRING \"\")\n")
    endif()
  endforeach()
  file(APPEND "${file}" "set(CMAKE_BUILD_TYPE [==[${config}]==] CACHE STRING \"\")\n")
endfunction()

set(generator_args -G "${CONSUMER_GENERATOR}")
if(CONSUMER_MAKE_PROGRAM)
  list(APPEND generator_args "-DCMAKE_MAKE_PROGRAM=${CONSUMER_MAKE_PROGRAM}")
endif()
set(config_args "")
if(config)
  set(config_args --config "${config}")
endif()

set(cache "${WORK_DIR}/initial-cache.cmake")
write_initial_cache("${cache}")
file(APPEND "${cache}" "set(HETSCHED_CONSUMER_MODE ${MODE} CACHE STRING \"\")\n")
file(APPEND "${cache}" "set(HETSCHED_CONSUMER_EXPECT_CUDA ${CUDA} CACHE STRING \"\")\n")

if(MODE STREQUAL "package")
  set(hetsched_build "${HETSCHED_BINARY_DIR}")
  if(NOT CUDA AND HETSCHED_CUDA)
    # This build has the CUDA layer: make the package without it from the same sources, the library and what it
    # installs only.
    set(hetsched_build "${WORK_DIR}/hetsched-build")
    set(hetsched_cache "${WORK_DIR}/hetsched-initial-cache.cmake")
    write_initial_cache("${hetsched_cache}")
    foreach(option IN ITEMS HETSCHED_CUDA HETSCHED_BUILD_TESTS HETSCHED_BUILD_EXAMPLES HETSCHED_BUILD_BENCHMARKS)
      file(APPEND "${hetsched_cache}" "set(${option} OFF CACHE BOOL \"\")\n")
    endforeach()
    file(APPEND "${hetsched_cache}" "set(HETSCHED_INSTALL ON CACHE BOOL \"\")\n")
    run_step("configure hetsched without CUDA" "${CMAKE_COMMAND}" -C "${hetsched_cache}"
      -S "${HETSCHED_SOURCE_DIR}" -B "${hetsched_build}" ${generator_args})
    run_step("build hetsched without CUDA" "${CMAKE_COMMAND}" --build "${hetsched_build}" ${config_args})
  endif()
  set(prefix "${WORK_DIR}/prefix")
  run_step("install hetsched" "${CMAKE_COMMAND}" --install "${hetsched_build}" --prefix "${prefix}" ${config_args})
  # The fresh prefix comes first so that no other hetsched on the system is found instead.
  file(APPEND "${cache}" "list(PREPEND CMAKE_PREFIX_PATH [==[${prefix}]==])\n")
  file(APPEND "${cache}" "set(CMAKE_PREFIX_PATH \"\${CMAKE_PREFIX_PATH}\" CACHE STRING \"\" FORCE)\n")
  file(APPEND "${cache}" "set(CMAKE_FIND_USE_PACKAGE_REGISTRY OFF CACHE BOOL \"\")\n")
else()
  file(APPEND "${cache}" "set(HETSCHED_SOURCE_DIR [==[${HETSCHED_SOURCE_DIR}]==] CACHE PATH \"\")\n")
  file(APPEND "${cache}" "set(HETSCHED_CUDA ${CUDA} CACHE BOOL \"\")\n")
  if(CUDA)
    file(APPEND "${cache}" "set(CMAKE_CUDA_COMPILER [==[${CONSUMER_CUDA_COMPILER}]==] CACHE FILEPATH \"\")\n")
  endif()
endif()

get_filename_component(cmake_bin_dir "${CMAKE_COMMAND}" DIRECTORY)
find_program(ctest_command ctest HINTS "${cmake_bin_dir}" NO_DEFAULT_PATH)
if(NOT ctest_command)
  find_program(ctest_command ctest REQUIRED)
endif()

set(build "${WORK_DIR}/build")
set(cache_args -C "${cache}")  # the first configure only: the cache then holds it
foreach(preamble IN ITEMS plain cxx20 cxx20_no_extensions)
  set(variant "${MODE}, CUDA ${CUDA}, preamble ${preamble}")
  run_step("configure the consumer" "${CMAKE_COMMAND}" ${cache_args} -S "${CONSUMER_SOURCE_DIR}" -B "${build}"
    ${generator_args} "-DHETSCHED_CONSUMER_PREAMBLE=${preamble}")
  set(cache_args "")
  run_step("build the consumer" "${CMAKE_COMMAND}" --build "${build}" ${config_args})
  set(test_args "${ctest_command}" --test-dir "${build}" --output-on-failure --no-tests=error)
  if(config)
    list(APPEND test_args -C "${config}")
  endif()
  run_step("run the consumer" ${test_args})
endforeach()
