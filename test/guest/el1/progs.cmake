# SPDX-License-Identifier: MIT
# The EL1 guest test programs (doc/guest-tests.md): the one list, one line per program.
# Included by test/guest/el1 (builds the programs and their armvirt-bm images,
# bm-images.cmake), test/guest/qemu.cmake and test/kvm (register their runs); adding a
# program is adding its line here.
#
#   av_guest_prog(NAME [BM] [QEMU] [KVM] [FORMATS] [MULTI])
#   BM       armvirt-bm-NAME.bin: one VM running it
#   QEMU     qemu.bm.NAME.gicv3/.gicv2: that image in the default QEMU run (programs whose
#            runs need other QEMU options are registered by test/guest/qemu.cmake itself)
#   KVM      run by kvm.el1 under armvirt-vmm in nested KVM (ARMVIRT_KVM_EL1_GUESTS overrides)
#   FORMATS  also built as a raw binary and an ELF file (PROG-raw.bin, PROG-elf.elf),
#            embedded in armvirt-bm-NAME_raw.bin / _elf.bin and loaded by the kernel-format runs
#   MULTI    a multi-VM program (linked with rt/ivc.c, rt/ivcdt.c, rt/probe.c); its images
#            are the multi-VM configurations of bm-images.cmake
# Resulting lists: AV_GUEST_EL1_PROGS (one-VM programs), AV_GUEST_EL1_MULTI_PROGS,
# AV_GUEST_EL1_BM_PROGS, AV_GUEST_EL1_QEMU_PROGS, AV_GUEST_EL1_KVM_PROGS,
# AV_GUEST_EL1_FORMAT_PROGS.
foreach(_l PROGS MULTI_PROGS BM_PROGS QEMU_PROGS KVM_PROGS FORMAT_PROGS)
  set(AV_GUEST_EL1_${_l} "") # a normal variable: hides the cache entries of older builds
endforeach()
macro(av_guest_prog name)
  cmake_parse_arguments(_agp "BM;QEMU;KVM;FORMATS;MULTI" "" "" ${ARGN})
  if(_agp_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "av_guest_prog(${name}): unknown attributes ${_agp_UNPARSED_ARGUMENTS}")
  endif()
  if(_agp_MULTI)
    list(APPEND AV_GUEST_EL1_MULTI_PROGS ${name})
  else()
    list(APPEND AV_GUEST_EL1_PROGS ${name})
  endif()
  foreach(_a BM QEMU KVM)
    if(_agp_${_a})
      list(APPEND AV_GUEST_EL1_${_a}_PROGS ${name})
    endif()
  endforeach()
  if(_agp_FORMATS)
    list(APPEND AV_GUEST_EL1_FORMAT_PROGS ${name})
  endif()
endmacro()

# Not in kvm.el1: hypercall (the ECHO hypercall is armvirt's own), bench (a figure, not
# pass/fail), sgi_stress (100,000 round trips through KVM inside TCG take minutes: fewer
# than 25,000 finished in 30 s). pmu runs with --pmu there (kvm-test.sh) and under -icount
# in QEMU; features, sgi_stress, bench, fpsimd and pmu have further QEMU runs in qemu.cmake;
# its runs in kvm.features only.
av_guest_prog(hypercall BM QEMU)
av_guest_prog(idregs    BM QEMU KVM)
av_guest_prog(mmio      BM QEMU KVM FORMATS)
av_guest_prog(dabort    BM QEMU KVM)
av_guest_prog(wfi_timer BM QEMU KVM)
av_guest_prog(sgi       BM QEMU KVM)
av_guest_prog(psci      BM QEMU KVM)
av_guest_prog(fpsimd    BM QEMU KVM)
av_guest_prog(isv0      BM QEMU KVM)
av_guest_prog(bench     BM)
# trapbench: issue 17's trap-path rows (figures; bench.trapbench.* in qemu.cmake)
av_guest_prog(trapbench BM)
# fastexit: exits armvirt-bm's library answers in the EL2 vectors (issue 17, doc/vm.md)
av_guest_prog(fastexit  BM QEMU)
av_guest_prog(debug     BM QEMU KVM)
av_guest_prog(primecell BM QEMU KVM)
av_guest_prog(fpmmio    BM QEMU KVM)
av_guest_prog(memops    BM QEMU KVM)
av_guest_prog(pmu       BM KVM)
av_guest_prog(features  BM QEMU KVM)
av_guest_prog(its)
av_guest_prog(sgi_stress BM)
av_guest_prog(timer_gic BM QEMU KVM)
# virtio needs its test disk (virtio-disk.img) in every run: qemu.cmake registers
# qemu.bm.virtio / qemu.bm.virtio_ro (bm/vm_virtio.c) and test/kvm kvm.el1.virtio.
av_guest_prog(virtio)
# flash drives the CFI flash bank at 0x04000000: qemu.cmake runs it on plain QEMU (the
# reference values of lib/dev/cfi_flash.c); a VM with flash banks may run it too.
av_guest_prog(flash)
# Multi-VM programs (issue 7), each run in the configuration doc/guest-tests.md
# ("Multi-VM programs") gives.
av_guest_prog(ivc_msg   MULTI)
av_guest_prog(shmem     MULTI)
av_guest_prog(prio      MULTI)
av_guest_prog(prio_eq   MULTI)
av_guest_prog(smp_ipi   MULTI)
av_guest_prog(hostile   MULTI)
av_guest_prog(victim    MULTI)
av_guest_prog(ivc_bench MULTI)
av_guest_prog(debug_iso MULTI)
# Hostile programs beside a victim VM (issue 18; bm/vm_pair.c, qemu.cmake's qemu.bm.<prog>).
av_guest_prog(sysregs   MULTI)
av_guest_prog(smccc_storm MULTI)
av_guest_prog(stuck     MULTI)
