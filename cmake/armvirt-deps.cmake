# SPDX-License-Identifier: MIT
# Where the aarch64 builds find Debian's arm64 libfdt, which scripts/deps.sh unpacks into a
# private cache (libfdt-dev:arm64 cannot be installed beside the host's libfdt-dev).
if(DEFINED ENV{ARMVIRT_DEPS_CACHE})
  set(_av_cache $ENV{ARMVIRT_DEPS_CACHE})
elseif(DEFINED ENV{XDG_CACHE_HOME})
  set(_av_cache $ENV{XDG_CACHE_HOME}/armvirt)
else()
  set(_av_cache $ENV{HOME}/.cache/armvirt)
endif()
set(ARMVIRT_ARM64_FDT_ROOT ${_av_cache}/libfdt-arm64 CACHE PATH "unpacked libfdt-dev:arm64")
