# SPDX-License-Identifier: MIT
# libfdt for the platform builder: Debian's libfdt-dev on the host, the unpacked
# libfdt-dev:arm64 (see armvirt-deps.cmake) for aarch64 builds. Defines ARMVIRT_FDT_INCLUDE_DIR
# and ARMVIRT_FDT_LIBRARY.
if(CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64" AND CMAKE_CROSSCOMPILING)
  set(ARMVIRT_FDT_INCLUDE_DIR ${ARMVIRT_ARM64_FDT_ROOT}/usr/include)
  set(ARMVIRT_FDT_LIBRARY ${ARMVIRT_ARM64_FDT_ROOT}/usr/lib/aarch64-linux-gnu/libfdt.a)
  if(NOT EXISTS ${ARMVIRT_FDT_LIBRARY} OR NOT EXISTS ${ARMVIRT_FDT_INCLUDE_DIR}/libfdt.h)
    message(FATAL_ERROR "armvirt: arm64 libfdt not found under ${ARMVIRT_ARM64_FDT_ROOT}; run scripts/deps.sh")
  endif()
else()
  find_path(ARMVIRT_FDT_INCLUDE_DIR libfdt.h)
  find_library(ARMVIRT_FDT_LIBRARY NAMES libfdt.a fdt)
  if(NOT ARMVIRT_FDT_INCLUDE_DIR OR NOT ARMVIRT_FDT_LIBRARY)
    message(FATAL_ERROR "armvirt: libfdt not found (Debian: apt-get install libfdt-dev)")
  endif()
endif()
