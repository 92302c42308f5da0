# SPDX-License-Identifier: MIT
# QEMU tests of EL2 images from the freestanding build (label qemu). scripts/test.sh passes
# that build's directory as ARMVIRT_EL2_BUILD_DIR; without it these tests are not registered.
set(ARMVIRT_EL2_BUILD_DIR "" CACHE PATH "build directory of the aarch64-none configuration")
if(NOT ARMVIRT_EL2_BUILD_DIR)
  return()
endif()

# av_qemu_test(NAME IMAGE_RELATIVE_PATH [SMP]): NAME.gicv3 and NAME.gicv2.
function(av_qemu_test name image)
  set(smp 2)
  if(ARGC GREATER 2)
    set(smp ${ARGV2})
  endif()
  foreach(gic 3 2)
    add_test(NAME qemu.${name}.gicv${gic}
             COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run-el2.sh ${ARMVIRT_EL2_BUILD_DIR}/${image}
                     ${gic} ${smp} 60)
    set_tests_properties(qemu.${name}.gicv${gic} PROPERTIES LABELS qemu TIMEOUT 90)
  endforeach()
endfunction()

# av_qemu_test_cpu(NAME IMAGE_RELATIVE_PATH CPU): NAME.gicv3 and NAME.gicv2 on -cpu CPU, two
# CPUs (a CPU without SVE, pointer authentication or the newer trap features).
function(av_qemu_test_cpu name image cpu)
  foreach(gic 3 2)
    add_test(NAME qemu.${name}.gicv${gic}
             COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run-el2.sh ${ARMVIRT_EL2_BUILD_DIR}/${image}
                     ${gic} 2 60 -cpu ${cpu})
    set_tests_properties(qemu.${name}.gicv${gic} PROPERTIES LABELS qemu TIMEOUT 90)
  endforeach()
endfunction()

# The minimal hypervisor: world switch, hypercall, sysreg trap, MMIO, lazy FP/SIMD, vGIC +
# virtual timer through hardware list registers, SMP bring-up, EL2 timer and IPI.
av_qemu_test(minimal examples/minimal/armvirt-minimal.bin)
av_qemu_test_cpu(minimal-a57 examples/minimal/armvirt-minimal.bin cortex-a57)

# armvirt-bm, the bare-metal hypervisor (examples/baremetal): every EL1 guest test program
# marked QEMU in test/guest/el1/progs.cmake runs in a 2-vCPU VM, GICv3 and GICv2 (-smp 2):
# qemu.bm.<prog>.gicv3 / .gicv2.
include(${CMAKE_CURRENT_LIST_DIR}/el1/progs.cmake)
foreach(prog IN LISTS AV_GUEST_EL1_QEMU_PROGS)
  av_qemu_test(bm.${prog} examples/baremetal/armvirt-bm-${prog}.bin)
endforeach()
# Kernel formats (doc/baremetal.md): the mmio program as a raw binary without the Image
# header and as an ELF file, embedded (bm.mmio_raw, bm.mmio_elf) and put at 0x44000000 by
# QEMU's loader for armvirt-bm-linux.bin (bm.kernel_raw, bm.kernel_elf); the format line
# checked. bm.kernel_bad: bad ELF files refused with one line each.
set(_bm ${ARMVIRT_EL2_BUILD_DIR}/examples/baremetal)
set(_el1 ${ARMVIRT_EL2_BUILD_DIR}/test/guest/el1)
foreach(gic 3 2)
  foreach(t "mmio_raw;${_bm}/armvirt-bm-mmio_raw.bin;raw"
            "mmio_elf;${_bm}/armvirt-bm-mmio_elf.bin;elf"
            "kernel_raw;${_bm}/armvirt-bm-linux.bin;raw;${_el1}/mmio-raw.bin"
            "kernel_elf;${_bm}/armvirt-bm-linux.bin;elf;${_el1}/mmio-elf.elf"
            "kernel_bad;${_bm}/armvirt-bm-linux.bin;bad;${_el1}/mmio-elf.elf")
    list(GET t 0 name)
    list(SUBLIST t 1 -1 args)
    list(INSERT args 1 ${gic})
    add_test(NAME qemu.bm.${name}.gicv${gic}
             COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/kernel-format.sh ${args})
    set_tests_properties(qemu.bm.${name}.gicv${gic} PROPERTIES LABELS qemu TIMEOUT 120
                         PASS_REGULAR_EXPRESSION "PASS: " FAIL_REGULAR_EXPRESSION "FAIL: ")
  endforeach()
endforeach()
# SVE and pointer authentication: ID registers and behaviour agree on a CPU that has pointer
# authentication, with the keys left to the guest (2 vCPUs on 2 pCPUs: shown and working)
# and trapped (2 vCPUs on 1 pCPU: hidden, UNDEFINED).
foreach(smp 2 1)
  foreach(gic 3 2)
    add_test(NAME qemu.bm.features.pauth-smp${smp}.gicv${gic}
             COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run-el2.sh
                     ${ARMVIRT_EL2_BUILD_DIR}/examples/baremetal/armvirt-bm-features.bin
                     ${gic} ${smp} 60 -cpu max,pauth=on,pauth-impdef=on)
    set_tests_properties(qemu.bm.features.pauth-smp${smp}.gicv${gic} PROPERTIES LABELS qemu
                         TIMEOUT 90)
  endforeach()
endforeach()
# sgi_stress: 100,000 SGI round trips under -icount shift=0 (the vCPUs run in turn, so a
# round trip costs a few microseconds of host time; the program itself makes the next SGI
# pending while the previous one is active). At most one GIC maintenance interrupt per guest
# entry (run-el2-maint.sh: none re-taken while an emptied LR keeps its EISR bit).
foreach(gic 3 2)
  add_test(NAME qemu.bm.sgi_stress.gicv${gic}
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run-el2-maint.sh
                   ${ARMVIRT_EL2_BUILD_DIR}/examples/baremetal/armvirt-bm-sgi_stress.bin ${gic} 2 60
                   -icount shift=0)
  set_tests_properties(qemu.bm.sgi_stress.gicv${gic} PROPERTIES LABELS qemu TIMEOUT 90)
endforeach()
# The same on a CPU without SVE, pointer authentication or the newer trap features.
av_qemu_test_cpu(bm.fpsimd-a57 examples/baremetal/armvirt-bm-fpsimd.bin cortex-a57)
# Instruction counts of the exit paths (-icount shift=0: 1 instruction = 1 ns of virtual
# time): the BENCH lines are figures, not pass/fail (ctest -V -R qemu.bm.bench shows them).
foreach(gic 3 2)
  add_test(NAME qemu.bm.bench.gicv${gic}
           COMMAND sh ${PROJECT_SOURCE_DIR}/examples/baremetal/bench-report.sh
                   ${ARMVIRT_EL2_BUILD_DIR}/examples/baremetal/armvirt-bm-bench.bin ${gic})
  set_tests_properties(qemu.bm.bench.gicv${gic} PROPERTIES LABELS qemu TIMEOUT 90)
endforeach()

# The pmu program without -icount: INST_RETIRED absent, and PMCEID0 must say so.
av_qemu_test(bm.pmu-noicount examples/baremetal/armvirt-bm-pmu.bin)
# The pmu program in the Linux VM of armvirt-bm-linux.bin, put at 0x44000000 by QEMU's loader
# as the issue's "small test kernel" (the configuration also wants an initrd: the program is
# given as one too, and ignores it). The same command with an older armvirt-bm-linux.bin
# shows what that revision gives a guest.
foreach(gic 3 2)
  set(_pmu_bin ${ARMVIRT_EL2_BUILD_DIR}/test/guest/el1/pmu.bin)
  add_test(NAME qemu.bm.pmu-linuxvm.gicv${gic}
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run-el2.sh
                   ${ARMVIRT_EL2_BUILD_DIR}/examples/baremetal/armvirt-bm-linux.bin ${gic} 2 60
                   -icount shift=0 -device loader,file=${_pmu_bin},addr=0x44000000,force-raw=on
                   -initrd ${_pmu_bin})
  set_tests_properties(qemu.bm.pmu-linuxvm.gicv${gic} PROPERTIES LABELS qemu TIMEOUT 90)
endforeach()

# armvirt-bm with several VMs (issue 7): the multi-VM guest programs, each in the
# configuration of doc/guest-tests.md ("Multi-VM programs"), GICv3 and GICv2, -smp 2.
foreach(prog ivc_msg shmem hostile debug_iso)
  av_qemu_test(bm.${prog} examples/baremetal/armvirt-bm-${prog}.bin)
endforeach()
# Hostile programs beside a victim VM (issue 18, doc/guest-tests.md "Hostile programs"):
# hostile-log.sh also bounds the hypervisor's console lines while the program misbehaves.
foreach(prog sysregs smccc_storm stuck memops_victim)
  foreach(gic 3 2)
    add_test(NAME qemu.bm.${prog}.gicv${gic}
             COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/hostile-log.sh
                     ${ARMVIRT_EL2_BUILD_DIR}/examples/baremetal/armvirt-bm-${prog}.bin ${gic} 2 100)
    set_tests_properties(qemu.bm.${prog}.gicv${gic} PROPERTIES LABELS qemu TIMEOUT 150)
  endforeach()
endforeach()
# prio and prio_eq measure CPU shares in guest time: under -icount shift=0 guest time is the
# instruction count, so a busy host cannot skew them and the shares repeat run after run.
# pmu (one VM with a PMU, doc/debug-pmu.md) and pmu2 (two, sharing pCPU 0) run there too:
# QEMU counts INST_RETIRED exactly only under -icount shift=0.
foreach(prog prio prio_eq pmu pmu2)
  foreach(gic 3 2)
    add_test(NAME qemu.bm.${prog}.gicv${gic}
             COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run-el2.sh
                     ${ARMVIRT_EL2_BUILD_DIR}/examples/baremetal/armvirt-bm-${prog}.bin ${gic} 2 60
                     -icount shift=0)
    set_tests_properties(qemu.bm.${prog}.gicv${gic} PROPERTIES LABELS qemu TIMEOUT 90)
  endforeach()
endforeach()
# smp_ipi: one VM with 4 vCPUs free to migrate, on 2 pCPUs (overcommitted) and on 4.
foreach(smp 2 4)
  foreach(gic 3 2)
    add_test(NAME qemu.bm.smp_ipi.smp${smp}.gicv${gic}
             COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run-el2.sh
                     ${ARMVIRT_EL2_BUILD_DIR}/examples/baremetal/armvirt-bm-smp_ipi.bin
                     ${gic} ${smp} 60)
    set_tests_properties(qemu.bm.smp_ipi.smp${smp}.gicv${gic} PROPERTIES LABELS qemu TIMEOUT 90)
  endforeach()
endforeach()
# ivc_bench: VM -> VM world switch and message latency, -icount shift=0 (figures; ctest -V).
foreach(gic 3 2)
  add_test(NAME qemu.bm.ivc_bench.gicv${gic}
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/ivc-bench.sh
                   ${ARMVIRT_EL2_BUILD_DIR}/examples/baremetal/armvirt-bm-ivc_bench.bin ${gic})
  set_tests_properties(qemu.bm.ivc_bench.gicv${gic} PROPERTIES LABELS qemu TIMEOUT 90)
endforeach()
# Issue 17's trap-path table (doc/benchmarks.md, "Trap paths"): trapbench under armvirt-bm and
# on plain QEMU, and ivc_bench's vm_switch; figures (ctest -L bench -V), fails when a run
# fails or a row is missing.
foreach(gic 3 2)
  add_test(NAME bench.trap.gicv${gic}
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/trapbench.sh ${gic}
                   ${_bm}/armvirt-bm-trapbench.bin ${_el1}/trapbench.bin
                   ${_bm}/armvirt-bm-ivc_bench.bin)
  set_tests_properties(bench.trap.gicv${gic} PROPERTIES LABELS bench TIMEOUT 240)
endforeach()
# The virtio program (doc/guest-tests.md) on its test disk, loaded by QEMU where the VM's
# description puts it (test/guest/el1/bm/vm_virtio.c): read-write (bm.virtio) and read-only
# (bm.virtio_ro), each with a virtio-rng from RNDR.
foreach(cfg virtio virtio_ro)
  foreach(gic 3 2)
    add_test(NAME qemu.bm.${cfg}.gicv${gic}
             COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run-el2.sh
                     ${ARMVIRT_EL2_BUILD_DIR}/examples/baremetal/armvirt-bm-${cfg}.bin ${gic} 2 60
                     -device loader,file=${_el1}/virtio-disk.img,addr=0x50000000,force-raw=on)
    set_tests_properties(qemu.bm.${cfg}.gicv${gic} PROPERTIES LABELS qemu TIMEOUT 90)
  endforeach()
endforeach()
# The flash program (doc/guest-tests.md) on plain QEMU, no hypervisor: QEMU's own pflash
# answers, so the run checks the reference values lib/dev/cfi_flash.c and unit.cfi_flash
# are built on.
add_test(NAME qemu.plain.flash
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/el1/run-plain.sh
                 ${_el1}/flash.bin 3 1 30)
set_tests_properties(qemu.plain.flash PROPERTIES LABELS qemu TIMEOUT 60)
# The same program under armvirt-bm on a VM's variable bank (bm/vm_flash.c, doc/baremetal.md
# "Firmware"): the model behind the VM's bus, its stage-2 mapping switched with read-array mode.
av_qemu_test(bm.flash examples/baremetal/armvirt-bm-flash.bin)
