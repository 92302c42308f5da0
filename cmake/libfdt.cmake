# SPDX-License-Identifier: MIT
# Finds libfdt and defines the imported target armvirt::libfdt (static library + headers).
# Used by armvirt's own build and, installed, by armvirtConfig.cmake when a consumer
# configures, so the exported targets never carry the build machine's libfdt path.
#
# Where it looks, first match wins:
#   ARMVIRT_LIBFDT_ROOT (CMake or environment variable) or libfdt_ROOT: a prefix holding
#     include/libfdt.h and lib/libfdt.a (or a Debian tree: usr/include, usr/lib/<triplet>);
#   aarch64 builds: ARMVIRT_ARM64_FDT_ROOT (armvirt-deps.cmake, where scripts/deps.sh unpacks
#     Debian's libfdt-dev:arm64);
#   the compiler's default search paths (Debian's libfdt-dev on the host).
# Sets ARMVIRT_FDT_FOUND, ARMVIRT_FDT_INCLUDE_DIR and ARMVIRT_FDT_LIBRARY.
set(_av_fdt_hints)
foreach(_av_root IN ITEMS "${ARMVIRT_LIBFDT_ROOT}" "$ENV{ARMVIRT_LIBFDT_ROOT}" "${libfdt_ROOT}")
  if(_av_root)
    list(APPEND _av_fdt_hints ${_av_root})
  endif()
endforeach()
set(_av_fdt_triplet ${CMAKE_LIBRARY_ARCHITECTURE})
if(CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64")
  set(_av_fdt_triplet aarch64-linux-gnu)
  if(CMAKE_CROSSCOMPILING AND ARMVIRT_ARM64_FDT_ROOT)
    list(APPEND _av_fdt_hints ${ARMVIRT_ARM64_FDT_ROOT})
  endif()
endif()

# With hints, only the hints: a cross build must not pick up the host's libfdt.
set(_av_fdt_opts)
if(_av_fdt_hints)
  set(_av_fdt_opts HINTS ${_av_fdt_hints} NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
endif()
find_path(ARMVIRT_FDT_INCLUDE_DIR libfdt.h ${_av_fdt_opts} PATH_SUFFIXES include usr/include)
find_library(ARMVIRT_FDT_LIBRARY NAMES libfdt.a fdt ${_av_fdt_opts}
             PATH_SUFFIXES lib lib/${_av_fdt_triplet} usr/lib/${_av_fdt_triplet} usr/lib)

if(ARMVIRT_FDT_INCLUDE_DIR AND ARMVIRT_FDT_LIBRARY)
  set(ARMVIRT_FDT_FOUND TRUE)
  if(NOT TARGET armvirt::libfdt)
    add_library(armvirt::libfdt UNKNOWN IMPORTED)
    set_target_properties(armvirt::libfdt PROPERTIES
      IMPORTED_LOCATION "${ARMVIRT_FDT_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${ARMVIRT_FDT_INCLUDE_DIR}")
  endif()
else()
  set(ARMVIRT_FDT_FOUND FALSE)
endif()
unset(_av_fdt_hints)
unset(_av_fdt_opts)
unset(_av_fdt_triplet)
unset(_av_root)
