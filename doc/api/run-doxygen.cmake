# SPDX-License-Identifier: MIT
# Runs doxygen (-DDOXYGEN, -DDOXYFILE, -DLOG) and fails when it warns: doxygen's own exit
# status (WARN_AS_ERROR = FAIL_ON_WARNINGS) and, as a second check, a non-empty warning log.
execute_process(COMMAND ${DOXYGEN} ${DOXYFILE} RESULT_VARIABLE rc)
set(warnings "")
if(EXISTS ${LOG})
  file(READ ${LOG} warnings)
endif()
if(NOT rc EQUAL 0 OR NOT warnings STREQUAL "")
  message(FATAL_ERROR "doxygen: warnings (exit status ${rc}), fix the doc comments:\n${warnings}")
endif()
