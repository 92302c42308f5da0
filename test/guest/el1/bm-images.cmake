# SPDX-License-Identifier: MIT
# armvirt-bm images of the EL1 guest programs (included by test/guest/el1/CMakeLists.txt):
# the example's core (examples/baremetal, OBJECT library armvirt_bm) with the test
# configurations of bm/ (doc/baremetal.md, "Images"). The images are written beside the
# example's own (the freestanding build's examples/baremetal), where the qemu tests and the
# benchmark commands find every armvirt-bm-*.bin.
#   armvirt-bm-<prog>.bin       one VM running <prog> (BM in progs.cmake), bm/vm_test.c
#   armvirt-bm-<prog>_raw/_elf  the FORMATS programs embedded as a raw binary / ELF file
#   armvirt-bm-<cfg>.bin        multi-VM configurations bm/vm_<cfg>.c
set(_bm_src ${CMAKE_CURRENT_LIST_DIR}/bm)
set(_bm_out ${CMAKE_BINARY_DIR}/examples/baremetal)
set(_bm_gen ${CMAKE_CURRENT_BINARY_DIR}/bm)

# bm_image(NAME SOURCES...): armvirt-bm-NAME on armvirt_bm.
function(bm_image name)
  av_el2_image(armvirt-bm-${name} OUTPUT_DIRECTORY ${_bm_out} ${ARGN})
  target_include_directories(armvirt-bm-${name}.elf PRIVATE ${_bm_src})
  target_link_libraries(armvirt-bm-${name}.elf PRIVATE armvirt_bm)
endfunction()

# bm_test_image(NAME PAYLOAD_FILE PROG): one VM named NAME running the kernel file
# PAYLOAD_FILE (in this build directory), built by guest_el1_PROG.
function(bm_test_image name file prog)
  set(BM_PROG ${name})
  set(BM_PAYLOAD ${CMAKE_CURRENT_BINARY_DIR}/${file})
  configure_file(${_bm_src}/payload.S.in ${_bm_gen}/payload-${name}.S @ONLY)
  set_source_files_properties(${_bm_gen}/payload-${name}.S PROPERTIES OBJECT_DEPENDS ${BM_PAYLOAD})
  bm_image(${name} ${_bm_src}/vm_test.c ${_bm_gen}/payload-${name}.S)
  target_compile_definitions(armvirt-bm-${name}.elf PRIVATE BM_PROG="${name}")
  add_dependencies(armvirt-bm-${name}.elf guest_el1_${prog})
endfunction()
foreach(prog IN LISTS AV_GUEST_EL1_BM_PROGS)
  bm_test_image(${prog} ${prog}.bin ${prog})
endforeach()
foreach(prog IN LISTS AV_GUEST_EL1_FORMAT_PROGS)
  bm_test_image(${prog}_raw ${prog}-raw.bin ${prog})
  bm_test_image(${prog}_elf ${prog}-elf.elf ${prog})
endforeach()
# The pmu program's VM has a PMU (vm_test.c, BM_TEST_PMU).
target_compile_definitions(armvirt-bm-pmu.elf PRIVATE BM_TEST_PMU=1)

# Multi-VM images: guest programs embedded under their own symbols (payload-prog.S.in).
function(bm_prog_payload prog)
  set(out ${_bm_gen}/payload-prog-${prog}.S)
  if(NOT EXISTS ${out})
    set(BM_PROG ${prog})
    set(BM_PAYLOAD ${CMAKE_CURRENT_BINARY_DIR}/${prog}.bin)
    configure_file(${_bm_src}/payload-prog.S.in ${out} @ONLY)
  endif()
  set_source_files_properties(${out} PROPERTIES OBJECT_DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/${prog}.bin)
endfunction()

# bm_multi_image(NAME CONFIG_C [PROG...] [DEFS d...])
function(bm_multi_image name cfg)
  cmake_parse_arguments(A "" "" "DEFS" ${ARGN})
  set(srcs ${_bm_src}/${cfg})
  foreach(prog IN LISTS A_UNPARSED_ARGUMENTS)
    bm_prog_payload(${prog})
    list(APPEND srcs ${_bm_gen}/payload-prog-${prog}.S)
  endforeach()
  bm_image(${name} ${srcs})
  if(A_DEFS)
    target_compile_definitions(armvirt-bm-${name}.elf PRIVATE ${A_DEFS})
  endif()
  foreach(prog IN LISTS A_UNPARSED_ARGUMENTS)
    add_dependencies(armvirt-bm-${name}.elf guest_el1_${prog})
  endforeach()
endfunction()

bm_multi_image(ivc_msg vm_ivc_msg.c ivc_msg)
bm_multi_image(shmem vm_shmem.c shmem)
bm_multi_image(prio vm_prio.c prio)
bm_multi_image(prio_eq vm_prio.c prio_eq DEFS BM_PRIO_EQ)
bm_multi_image(smp_ipi vm_smp_ipi.c smp_ipi)
bm_multi_image(hostile vm_hostile.c hostile victim)
bm_multi_image(ivc_bench vm_ivc_bench.c ivc_bench)
bm_multi_image(debug_iso vm_debug_iso.c debug_iso)
# Hostile programs, each in VM 0 beside the victim in VM 1 (vm_pair.c).
bm_multi_image(sysregs vm_pair.c sysregs victim DEFS BM_PAIR_PROG=sysregs)
bm_multi_image(smccc_storm vm_pair.c smccc_storm victim DEFS BM_PAIR_PROG=smccc_storm BM_PAIR_VCPUS=3)
bm_multi_image(memops_victim vm_pair.c memops victim
               DEFS BM_PAIR_PROG=memops BM_PAIR_VCPUS=2 BM_PAIR_DEVICES=BM_DEV_ALL)
bm_multi_image(stuck vm_pair.c stuck victim DEFS BM_PAIR_PROG=stuck BM_PAIR_VCPUS=3 BM_PAIR_PINNED)
bm_multi_image(pmu2 vm_pmu2.c pmu)
bm_multi_image(linux-multi vm_linux_multi.c sgi)
# The virtio program with its disk image read-write / read-only (vm_virtio.c).
bm_multi_image(virtio vm_virtio.c virtio)
bm_multi_image(virtio_ro vm_virtio.c virtio DEFS BM_VIRTIO_RO)
# The flash program on a variable bank alone (vm_flash.c).
bm_multi_image(flash vm_flash.c flash)
# Linux VMs on the virtual switch (vm_linux_net.c, test/guest/baremetal-net.sh, the demo).
bm_multi_image(linux-net vm_linux_net.c)
bm_multi_image(linux-net-iso vm_linux_net.c DEFS BM_NET_ISO)
bm_multi_image(linux-net-flood vm_linux_net.c DEFS BM_NET_FLOOD)
# The soak test's two Linux VMs, disk and network each (vm_linux_soak.c, test/guest/soak.sh).
bm_multi_image(linux-soak vm_linux_soak.c)
