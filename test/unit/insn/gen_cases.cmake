# SPDX-License-Identifier: MIT
# Build-time oracle for the instruction decoder (run with cmake -P).
#
# Reads CASES (lines "<assembly> | <expected fields>", '#' comments), writes one
# instruction per line to OUT_DIR/insn_cases.S, assembles it with AS, extracts .text with
# OBJCOPY, and writes OUT_DIR/insn_cases.h: an array pairing every assembled 32-bit word
# with its assembly text and expectation string, in file order.
#
#   cmake -DCASES=cases.txt -DOUT_DIR=dir -DAS=aarch64-linux-gnu-as
#         -DOBJCOPY=aarch64-linux-gnu-objcopy -P gen_cases.cmake
cmake_minimum_required(VERSION 3.20)

foreach(var CASES OUT_DIR AS OBJCOPY)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "gen_cases.cmake: -D${var}= is required")
  endif()
endforeach()

file(STRINGS "${CASES}" lines)
file(MAKE_DIRECTORY "${OUT_DIR}")

# Every extension whose instructions appear in the list, accepted or rejected.
set(asm "\t.arch armv8.8-a+memtag+sve+ls64\n\t.text\n")
set(entries "")
set(count 0)
foreach(line IN LISTS lines)
  string(STRIP "${line}" line)
  if(line STREQUAL "" OR line MATCHES "^#")
    continue()
  endif()
  string(FIND "${line}" "|" bar)
  if(bar LESS 1)
    message(FATAL_ERROR "${CASES}: malformed line (no '<assembly> | <fields>'): ${line}")
  endif()
  string(SUBSTRING "${line}" 0 ${bar} text)
  math(EXPR rest "${bar} + 1")
  string(SUBSTRING "${line}" ${rest} -1 expect)
  string(STRIP "${text}" text)
  string(STRIP "${expect}" expect)
  if(text STREQUAL "" OR expect STREQUAL "")
    message(FATAL_ERROR "${CASES}: empty assembly or expectation: ${line}")
  endif()
  string(APPEND asm "\t${text}\n")
  foreach(s text expect)
    string(REPLACE "\\" "\\\\" ${s} "${${s}}")
    string(REPLACE "\"" "\\\"" ${s} "${${s}}")
  endforeach()
  list(APPEND entries "${text}|${expect}")
  math(EXPR count "${count} + 1")
endforeach()

set(src "${OUT_DIR}/insn_cases.S")
set(obj "${OUT_DIR}/insn_cases.o")
set(bin "${OUT_DIR}/insn_cases.bin")
file(WRITE "${src}" "${asm}")
execute_process(COMMAND "${AS}" -o "${obj}" "${src}"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gen_cases.cmake: ${AS} failed on ${src}:\n${err}")
endif()
execute_process(COMMAND "${OBJCOPY}" -O binary -j .text "${obj}" "${bin}"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gen_cases.cmake: ${OBJCOPY} failed:\n${err}")
endif()

file(READ "${bin}" hex HEX)
string(LENGTH "${hex}" nhex)
math(EXPR want "${count} * 8")
if(NOT nhex EQUAL want)
  math(EXPR got "${nhex} / 8")
  message(FATAL_ERROR "gen_cases.cmake: ${count} cases but ${got} instruction words: "
                      "every case must assemble to exactly one instruction")
endif()

set(out "/* Generated from cases.txt by gen_cases.cmake with ${AS}: do not edit. */\n")
string(APPEND out "struct insn_case {\n\tuint32_t word;       /* as assembled */\n"
                  "\tconst char *text;    /* the assembly line */\n"
                  "\tconst char *expect;  /* the expected fields */\n};\n\n")
string(APPEND out "#define INSN_CASES_COUNT ${count}\n\n")
string(APPEND out "static const struct insn_case insn_cases[INSN_CASES_COUNT] = {\n")
set(i 0)
foreach(entry IN LISTS entries)
  math(EXPR off "${i} * 8")
  string(SUBSTRING "${hex}" ${off} 8 le)
  # .text bytes are little-endian: byte 0 is bits 7:0.
  string(SUBSTRING "${le}" 0 2 b0)
  string(SUBSTRING "${le}" 2 2 b1)
  string(SUBSTRING "${le}" 4 2 b2)
  string(SUBSTRING "${le}" 6 2 b3)
  string(FIND "${entry}" "|" bar)
  string(SUBSTRING "${entry}" 0 ${bar} text)
  math(EXPR rest "${bar} + 1")
  string(SUBSTRING "${entry}" ${rest} -1 expect)
  string(APPEND out "\t{ 0x${b3}${b2}${b1}${b0}u, \"${text}\", \"${expect}\" },\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND out "};\n")

file(WRITE "${OUT_DIR}/insn_cases.h" "${out}")
