# SPDX-License-Identifier: MIT
# Toolchain: aarch64 freestanding (code that runs at EL2 without an OS or a libc).
# Uses Debian's gcc-aarch64-linux-gnu as a bare compiler: no libc headers beyond the
# compiler's own freestanding ones, no startup files, no default libraries.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(ARMVIRT_CROSS_PREFIX aarch64-linux-gnu- CACHE STRING "cross tool prefix")
set(CMAKE_C_COMPILER ${ARMVIRT_CROSS_PREFIX}gcc)
set(CMAKE_ASM_COMPILER ${ARMVIRT_CROSS_PREFIX}gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(ARMVIRT_FREESTANDING ON)
# -mgeneral-regs-only: EL2 code must not touch FP/SIMD registers behind the world switch.
# -mstrict-align: code may run with the MMU off, where unaligned accesses fault.
# -mno-outline-atomics: inline LSE/LL-SC atomics; libgcc's outlined ones need a libc to probe.
# -nostdinc plus the compiler's own include directory: only freestanding headers
# (stdint.h, stddef.h, stdbool.h, stdarg.h, stdatomic.h) are reachable, never a libc's.
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
                OUTPUT_VARIABLE ARMVIRT_CC_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE)
set(CMAKE_C_FLAGS_INIT "-ffreestanding -nostdlib -nostdinc -isystem ${ARMVIRT_CC_INCLUDE} -fno-stack-protector -fno-pic -mgeneral-regs-only -mstrict-align -mno-outline-atomics")
set(CMAKE_ASM_FLAGS_INIT "-ffreestanding -nostdlib")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
include(${CMAKE_CURRENT_LIST_DIR}/armvirt-deps.cmake)
