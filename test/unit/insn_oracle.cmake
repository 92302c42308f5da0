# SPDX-License-Identifier: MIT
# The insn unit test and its assembler oracle: test/unit/insn/cases.txt is assembled with the
# cross assembler at build time (insn/gen_cases.cmake) into a header that pairs every
# instruction word with the fields the list expects; test_insn decodes and compares them.
# The oracle is the point of the test, so a missing assembler is a configuration error.
find_program(ARMVIRT_AARCH64_AS NAMES aarch64-linux-gnu-as)
find_program(ARMVIRT_AARCH64_OBJCOPY NAMES aarch64-linux-gnu-objcopy)
if(NOT ARMVIRT_AARCH64_AS OR NOT ARMVIRT_AARCH64_OBJCOPY)
  message(FATAL_ERROR "armvirt: the insn decoder test needs aarch64-linux-gnu-as and "
                      "aarch64-linux-gnu-objcopy (binutils-aarch64-linux-gnu): run scripts/deps.sh")
endif()

set(_av_insn_src ${CMAKE_CURRENT_LIST_DIR}/insn)
set(_av_insn_gen ${CMAKE_CURRENT_BINARY_DIR}/insn)
add_custom_command(
  OUTPUT ${_av_insn_gen}/insn_cases.h
  COMMAND ${CMAKE_COMMAND} -DCASES=${_av_insn_src}/cases.txt -DOUT_DIR=${_av_insn_gen}
          -DAS=${ARMVIRT_AARCH64_AS} -DOBJCOPY=${ARMVIRT_AARCH64_OBJCOPY}
          -P ${_av_insn_src}/gen_cases.cmake
  DEPENDS ${_av_insn_src}/cases.txt ${_av_insn_src}/gen_cases.cmake
  COMMENT "insn oracle: assembling test/unit/insn/cases.txt"
  VERBATIM)

av_unit_test(insn ${_av_insn_gen}/insn_cases.h)
target_include_directories(test_insn PRIVATE ${_av_insn_gen})
