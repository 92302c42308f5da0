/* SPDX-License-Identifier: MIT */
/*
 * Offsets into C structures for the arch layer's assembly. Every value is checked against
 * offsetof() by offsets.c (_Static_assert), which is compiled into the freestanding library:
 * a layout change that forgets this file breaks the build, never the world switch.
 */
#ifndef ARMVIRT_ARCH_ASM_OFFSETS_H
#define ARMVIRT_ARCH_ASM_OFFSETS_H

/* struct av_ctxt (armvirt/vcpu.h) -> struct av_regs (armvirt/regs.h) */
#define AV_OFF_CTXT_X       0   /* regs.x[0]; x[n] at AV_OFF_CTXT_X + 8 * n */
#define AV_OFF_CTXT_X30     240 /* regs.x[30] */
#define AV_OFF_CTXT_PC      256 /* regs.pc (ELR_EL2) */
#define AV_OFF_CTXT_PSTATE  264 /* regs.pstate (SPSR_EL2), right after pc */
#define AV_OFF_CTXT_SCTLR   800 /* el1.sctlr (SCTLR_EL1) */

/* struct av_arch_fpregs (armvirt/arch/aarch64.h) */
#define AV_OFF_FP_V         0   /* v[0]; v[n] at AV_OFF_FP_V + 16 * n */
#define AV_OFF_FP_FPSR      512 /* fpsr */
#define AV_OFF_FP_FPCR      520 /* fpcr, right after fpsr */

/* struct av_arch_cpu (armvirt/arch/aarch64.h) */
#define AV_OFF_CPU_CTXT     0   /* ctxt: the context being run */
#define AV_OFF_CPU_HOST     8   /* host.x19_x30[0] (x19); x19+n at +8 * n */
#define AV_OFF_CPU_HOST_SP  104 /* host.sp */
#define AV_OFF_CPU_EXIT     112 /* exit.kind */
#define AV_OFF_CPU_EXIT_ESR 120 /* exit.esr, then far (+8), hpfar (+16) */
#define AV_OFF_CPU_EXIT_ACT 144 /* exit_action */
#define AV_OFF_CPU_RUNNING  152 /* running: the struct av_arch_vcpu being run */
#define AV_OFF_CPU_REQUEST  732 /* request: the host wants the vCPU back */

/* struct av_arch_vcpu (armvirt/arch/aarch64.h) */
#define AV_OFF_VCPU_ENTRIES   144 /* entries */
#define AV_OFF_VCPU_FAST_HVC  152 /* fast_hvc, then nr_fast_hvc (+8) */
#define AV_OFF_VCPU_FAST_HITS 168 /* fast_hvc_hits */
#define AV_OFF_VCPU_FAST_VCPU 176 /* fast_vcpu: the library's fast path, NULL for none */

/* struct av_arch_fast_hvc */
#define AV_OFF_FAST_FID     0   /* fid (32 bits) */
#define AV_OFF_FAST_X0      8   /* x0 */
#define AV_FAST_HVC_SIZE    16  /* sizeof(struct av_arch_fast_hvc) */

/* ESR_EL2.EC of an HVC from AArch64 (AV_ESR_EC_HVC64, armvirt/esr.h). */
#define AV_ASM_EC_HVC64     0x16
/* ESR_EL2.EC of a data abort from a lower EL (AV_ESR_EC_DABT_LOW). */
#define AV_ASM_EC_DABT_LOW  0x24
/* ESR_EL2.EC of a trapped MSR/MRS/system instruction from AArch64 (AV_ESR_EC_SYS64). */
#define AV_ASM_EC_SYS64     0x18

/* enum av_arch_exit_kind values the vectors return. */
#define AV_ASM_EXIT_SYNC    0
#define AV_ASM_EXIT_HANDLED 4

#endif
