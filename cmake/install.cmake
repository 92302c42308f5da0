# SPDX-License-Identifier: MIT
# Install: headers, libraries, the CMake package and pkg-config files.
# Nothing installed names a path of the build machine: libfdt is found when the consumer
# configures, and every path is relative to the installed files.
set(ARMVIRT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/armvirt)

install(DIRECTORY include/armvirt DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS armvirt EXPORT armvirtTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT armvirtTargets NAMESPACE armvirt:: DESTINATION ${ARMVIRT_CMAKE_DIR})

configure_package_config_file(cmake/armvirtConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/armvirtConfig.cmake
  INSTALL_DESTINATION ${ARMVIRT_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/armvirtConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/armvirtConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/armvirtConfigVersion.cmake
              cmake/libfdt.cmake
        DESTINATION ${ARMVIRT_CMAKE_DIR})

# pkg-config: the prefix is computed from the .pc file's own location, so a moved tree works.
# libarmvirt.a needs libfdt: `pkg-config --static --libs armvirt` adds -lfdt (Libs.private;
# Debian's libfdt-dev ships no libfdt.pc to name in Requires.private).
set(_av_pcdir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH ARMVIRT_PC_PREFIX_REL /${_av_pcdir} /)
string(REGEX REPLACE "/$" "" ARMVIRT_PC_PREFIX_REL "${ARMVIRT_PC_PREFIX_REL}")
set(ARMVIRT_PC_PREFIX "\${pcfiledir}/${ARMVIRT_PC_PREFIX_REL}")
configure_file(armvirt.pc.in ${CMAKE_CURRENT_BINARY_DIR}/armvirt.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/armvirt.pc DESTINATION ${_av_pcdir})
