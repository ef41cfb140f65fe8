# Profile-guided optimisation of the library (TEARDOWN_PGO): the package and the release preset
# are what users and the benchmarks run, and a profile of the engine's real work lets the
# compiler lay out the hot paths (bench/README.md, issue 19: 7-9% fewer instructions per
# simulated request on the seed scenario, in bench_seed and through td.run).
#
# Two stages in one build. A copy of this project is configured in <build>/pgo-train with the
# library instrumented (-fprofile-generate) and builds bench_seed and teardown-run; they run
# the seed scenario and every example (examples/scenarios), which writes the profile to
# <build>/pgo-profile; then this build compiles the library with -fprofile-use. The training
# build's objects have the same paths below their build directory as ours, so with
# -fprofile-prefix-path each stage names the profile files alike. Results do not depend on
# the profile: it changes code layout and inlining, never arithmetic (no -ffast-math).
#
# The training stage rebuilds and reruns only when the sources change (its binaries change),
# and then the library's objects are recompiled against the new profile.

set(TEARDOWN_PGO_TRAIN_DIR ${CMAKE_BINARY_DIR}/pgo-train)
set(TEARDOWN_PGO_PROFILE_DIR ${CMAKE_BINARY_DIR}/pgo-profile)
set(teardown_pgo_stamp ${CMAKE_BINARY_DIR}/pgo-profile.stamp)

include(ExternalProject)
ExternalProject_Add(teardown_pgo_train
  SOURCE_DIR ${PROJECT_SOURCE_DIR}
  BINARY_DIR ${TEARDOWN_PGO_TRAIN_DIR}
  CMAKE_ARGS
    -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
    -DCMAKE_MAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}
    -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
    -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=${CMAKE_INTERPROCEDURAL_OPTIMIZATION}
    -DCMAKE_PREFIX_PATH=${CMAKE_PREFIX_PATH}
    -DTEARDOWN_PYTHON=OFF
    -DTEARDOWN_TESTS=OFF
    -DTEARDOWN_BENCH=ON
    -DTEARDOWN_PGO=OFF
    # The library as this build compiles it (the module's flags change what is inlined early,
    # and so the shape the profile describes).
    -DTEARDOWN_LIBRARY_IN_MODULE=${TEARDOWN_LIBRARY_IN_MODULE}
    -DTEARDOWN_PGO_GENERATE=ON
    -DTEARDOWN_PGO_PROFILE_DIR=${TEARDOWN_PGO_PROFILE_DIR}
  BUILD_COMMAND ${CMAKE_COMMAND} --build <BINARY_DIR> --target bench_seed teardown-run
  BUILD_ALWAYS ON
  BUILD_BYPRODUCTS ${TEARDOWN_PGO_TRAIN_DIR}/bench/bench_seed ${TEARDOWN_PGO_TRAIN_DIR}/teardown-run
  INSTALL_COMMAND "")

add_custom_command(
  OUTPUT ${teardown_pgo_stamp}
  COMMAND ${CMAKE_COMMAND}
    -DTRAIN_DIR=${TEARDOWN_PGO_TRAIN_DIR}
    -DPROFILE_DIR=${TEARDOWN_PGO_PROFILE_DIR}
    -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
    -DSTAMP=${teardown_pgo_stamp}
    -P ${PROJECT_SOURCE_DIR}/cmake/PgoTrain.cmake
  DEPENDS ${TEARDOWN_PGO_TRAIN_DIR}/bench/bench_seed ${TEARDOWN_PGO_TRAIN_DIR}/teardown-run
          ${PROJECT_SOURCE_DIR}/cmake/PgoTrain.cmake
  COMMENT "Training the profile for profile-guided optimisation (seed scenario and examples)"
  VERBATIM)
add_custom_target(teardown_pgo_profile DEPENDS ${teardown_pgo_stamp})
add_dependencies(teardown_pgo_profile teardown_pgo_train)

add_dependencies(teardown teardown_pgo_profile)
set_source_files_properties(${TEARDOWN_SOURCES} PROPERTIES OBJECT_DEPENDS ${teardown_pgo_stamp})
target_compile_options(teardown PRIVATE
  -fprofile-use -fprofile-dir=${TEARDOWN_PGO_PROFILE_DIR} -fprofile-prefix-path=${CMAKE_BINARY_DIR}
  # Code the training never ran is optimised as without a profile, not for size.
  -fprofile-partial-training
  # A source file the training does not reach has no profile; that is expected.
  -Wno-missing-profile)
