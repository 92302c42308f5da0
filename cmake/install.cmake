# SPDX-License-Identifier: MIT
# Install: headers, libraries, the CMake package and pkg-config files. One package per
# configuration (see doc/sdk.md):
#   host, aarch64-linux  armvirt::armvirt; aarch64-linux also armvirt::kvm (ports/linux-kvm)
#   aarch64 freestanding armvirt::armvirt (with the EL2 arch layer), armvirt::qemu_virt,
#                        the port's linker script, av_el2_image(), cmake/aarch64-none.cmake
# Nothing installed names a path of the build machine: libfdt (and Threads) are found when
# the consumer configures, and every path is relative to the installed files.
set(ARMVIRT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/armvirt)

install(DIRECTORY include/armvirt DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS armvirt EXPORT armvirtTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT armvirtTargets NAMESPACE armvirt:: DESTINATION ${ARMVIRT_CMAKE_DIR})

# Package contents this configuration installs, for armvirtConfig.cmake.
set(ARMVIRT_PKG_COMPONENTS)
if(ARMVIRT_PKG_KVM)
  list(APPEND ARMVIRT_PKG_COMPONENTS kvm)
endif()
if(ARMVIRT_PKG_EL2)
  list(APPEND ARMVIRT_PKG_COMPONENTS qemu_virt)
endif()
set(ARMVIRT_LDS_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/armvirt)
configure_package_config_file(cmake/armvirtConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/armvirtConfig.cmake
  INSTALL_DESTINATION ${ARMVIRT_CMAKE_DIR}
  PATH_VARS ARMVIRT_LDS_INSTALL_DIR)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/armvirtConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/armvirtConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/armvirtConfigVersion.cmake
              cmake/libfdt.cmake
        DESTINATION ${ARMVIRT_CMAKE_DIR})
if(ARMVIRT_PKG_EL2)
  # The toolchain file consumers pass as CMAKE_TOOLCHAIN_FILE, with the file it includes.
  install(FILES cmake/armvirt-el2-image.cmake cmake/aarch64-none.cmake cmake/armvirt-deps.cmake
          DESTINATION ${ARMVIRT_CMAKE_DIR})
elseif(CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
  install(FILES cmake/aarch64-linux-gnu.cmake cmake/armvirt-deps.cmake DESTINATION ${ARMVIRT_CMAKE_DIR})
endif()

# pkg-config: the prefix is computed from the .pc file's own location, so a moved tree works.
# libarmvirt.a needs libfdt: `pkg-config --static --libs armvirt` adds -lfdt (Libs.private;
# Debian's libfdt-dev ships no libfdt.pc to name in Requires.private).
set(_av_pcdir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH ARMVIRT_PC_PREFIX_REL /${_av_pcdir} /)
string(REGEX REPLACE "/$" "" ARMVIRT_PC_PREFIX_REL "${ARMVIRT_PC_PREFIX_REL}")
set(ARMVIRT_PC_PREFIX "\${pcfiledir}/${ARMVIRT_PC_PREFIX_REL}")
configure_file(armvirt.pc.in ${CMAKE_CURRENT_BINARY_DIR}/armvirt.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/armvirt.pc DESTINATION ${_av_pcdir})
if(ARMVIRT_PKG_KVM)
  configure_file(ports/linux-kvm/armvirt-kvm.pc.in ${CMAKE_CURRENT_BINARY_DIR}/armvirt-kvm.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/armvirt-kvm.pc DESTINATION ${_av_pcdir})
endif()
