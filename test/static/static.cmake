# SPDX-License-Identifier: MIT
# Static analysis (label static, in the default test run), included from test/CMakeLists.txt:
#   static.cppcheck    cppcheck over lib/, ports/, examples/, tools/
#   static.clang-tidy  clang-tidy with the top-level .clang-tidy over the same files
# Both read the builds' compile_commands.json: this (host) build, and the aarch64 builds when
# scripts/test.sh passes them (ARMVIRT_LINUX_BUILD_DIR, ARMVIRT_EL2_BUILD_DIR). Any finding
# fails the test. doc/static-analysis.md: the check sets and how to suppress a false positive.
find_program(ARMVIRT_CPPCHECK cppcheck)
find_program(ARMVIRT_CLANG_TIDY NAMES clang-tidy clang-tidy-14)
find_package(Python3 COMPONENTS Interpreter)

set(_av_static_dbs host=${PROJECT_BINARY_DIR}/compile_commands.json)
if(ARMVIRT_LINUX_BUILD_DIR)
  list(APPEND _av_static_dbs linux=${ARMVIRT_LINUX_BUILD_DIR}/compile_commands.json)
endif()
if(ARMVIRT_EL2_BUILD_DIR)
  list(APPEND _av_static_dbs none=${ARMVIRT_EL2_BUILD_DIR}/compile_commands.json)
endif()
cmake_host_system_information(RESULT _av_static_jobs QUERY NUMBER_OF_LOGICAL_CORES)

# av_static_test(TOOL PROGRAM)
function(av_static_test tool program)
  if(NOT program OR NOT Python3_Interpreter_FOUND)
    message(WARNING "armvirt: ${tool} or python3 not found, static.${tool} is not run "
                    "(scripts/deps.sh installs them)")
    return()
  endif()
  add_test(NAME static.${tool}
           COMMAND ${CMAKE_COMMAND} -E env ARMVIRT_STATIC_PROGRAM=${program}
                   PYTHON=${Python3_EXECUTABLE}
                   sh ${CMAKE_CURRENT_SOURCE_DIR}/static/run.sh ${tool} ${PROJECT_SOURCE_DIR}
                   ${CMAKE_CURRENT_BINARY_DIR}/static-${tool} ${_av_static_jobs} ${_av_static_dbs})
  set_tests_properties(static.${tool} PROPERTIES LABELS static TIMEOUT 1800
                       PASS_REGULAR_EXPRESSION "PASS: static ${tool}"
                       FAIL_REGULAR_EXPRESSION "FAIL: static")
endfunction()
av_static_test(cppcheck "${ARMVIRT_CPPCHECK}")
av_static_test(clang-tidy "${ARMVIRT_CLANG_TIDY}")
