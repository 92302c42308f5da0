# SPDX-License-Identifier: MIT
# av_el2_image(NAME [OUTPUT_DIRECTORY DIR] SOURCES...): an EL2 hypervisor image for QEMU virt built on the qemu-virt
# port. Links NAME.elf from SOURCES with armvirt::qemu_virt, armvirt::armvirt and libfdt
# (one group: the port and the library call each other), the port's linker script
# (ARMVIRT_QEMU_VIRT_LDS) and no libc; then NAME.bin, the flat arm64 Image that
# `qemu-system-aarch64 -M virt,virtualization=on -kernel NAME.bin` boots. The application
# provides hyp_main() (<armvirt/port/qemu-virt.h>). NAME.elf is an ordinary executable
# target: add sources, definitions or libraries to it as usual. NAME.elf and NAME.bin are
# written to DIR, by default the current binary directory.
# ARMVIRT_EL2_IMAGE_C_OPTIONS, if set, are extra C compile options for every image.
# Used in armvirt's tree (ports/qemu-virt) and installed with the freestanding package.
function(av_el2_image name)
  if(NOT ARMVIRT_QEMU_VIRT_LDS)
    message(FATAL_ERROR "av_el2_image: ARMVIRT_QEMU_VIRT_LDS (the port's linker script) is not set")
  endif()
  cmake_parse_arguments(_avi "" "OUTPUT_DIRECTORY" "" ${ARGN})
  set(_dir ${CMAKE_CURRENT_BINARY_DIR})
  if(_avi_OUTPUT_DIRECTORY)
    set(_dir ${_avi_OUTPUT_DIRECTORY})
  endif()
  add_executable(${name}.elf ${_avi_UNPARSED_ARGUMENTS})
  set_target_properties(${name}.elf PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${_dir})
  if(ARMVIRT_EL2_IMAGE_C_OPTIONS)
    target_compile_options(${name}.elf PRIVATE $<$<COMPILE_LANGUAGE:C>:${ARMVIRT_EL2_IMAGE_C_OPTIONS}>)
  endif()
  target_link_libraries(${name}.elf PRIVATE
    -Wl,--start-group armvirt::qemu_virt armvirt::armvirt armvirt::libfdt -Wl,--end-group gcc)
  target_link_options(${name}.elf PRIVATE -T ${ARMVIRT_QEMU_VIRT_LDS} -nostdlib -static
    -Wl,--no-warn-rwx-segments -Wl,-z,norelro -Wl,--build-id=none)
  set_target_properties(${name}.elf PROPERTIES LINK_DEPENDS ${ARMVIRT_QEMU_VIRT_LDS})
  if(CMAKE_OBJCOPY)
    set(_objcopy ${CMAKE_OBJCOPY})
  else()
    set(_objcopy objcopy)
  endif()
  add_custom_command(TARGET ${name}.elf POST_BUILD
    COMMAND ${_objcopy} -O binary $<TARGET_FILE:${name}.elf> ${_dir}/${name}.bin
    BYPRODUCTS ${_dir}/${name}.bin
    COMMENT "EL2 image ${name}.bin")
endfunction()
