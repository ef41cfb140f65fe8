# The training run of profile-guided optimisation (cmake/Pgo.cmake), as a script:
#   cmake -DTRAIN_DIR=... -DPROFILE_DIR=... -DSOURCE_DIR=... -DSTAMP=... -P PgoTrain.cmake
# A fresh profile each time: the instrumented binaries add to the files they find.
file(REMOVE_RECURSE ${PROFILE_DIR})
file(MAKE_DIRECTORY ${PROFILE_DIR})

# The seed scenario (issue 11's benchmark: pooled and long-lived clients, 2.6 keep-alive),
# 20 simulated seconds after a 5 s warm-up.
execute_process(COMMAND ${TRAIN_DIR}/bench/bench_seed ${SOURCE_DIR}/bench/seed.toml --duration 20s --warmup 5s
                OUTPUT_QUIET RESULT_VARIABLE failed)
if(failed)
  # The profile is an optimisation: without it the library is built as without PGO.
  message(WARNING "PGO training: bench_seed on bench/seed.toml failed (${failed}); its profile is left out")
endif()

# Every example: the other modes, versions and rules, so their code is laid out from real runs.
file(GLOB examples ${SOURCE_DIR}/examples/scenarios/*.toml)
foreach(example IN LISTS examples)
  execute_process(COMMAND ${TRAIN_DIR}/teardown-run ${example} OUTPUT_QUIET RESULT_VARIABLE failed)
  if(failed)
    message(WARNING "PGO training: teardown-run ${example} failed (${failed}); its profile is left out")
  endif()
endforeach()

file(TOUCH ${STAMP})
