/* SPDX-License-Identifier: MIT */
/* Compile-time proof that asm_offsets.h matches the C layouts the assembly walks. */
#include <stddef.h>

#include <armvirt/arch/aarch64.h>

#include "asm_offsets.h"

_Static_assert(offsetof(struct av_vcpu_ctxt, regs.x) == AV_OFF_CTXT_X, "ctxt x");
_Static_assert(offsetof(struct av_vcpu_ctxt, regs.x[30]) == AV_OFF_CTXT_X30, "ctxt x30");
_Static_assert(offsetof(struct av_vcpu_ctxt, regs.pc) == AV_OFF_CTXT_PC, "ctxt pc");
_Static_assert(offsetof(struct av_vcpu_ctxt, regs.pstate) == AV_OFF_CTXT_PSTATE, "ctxt pstate");
_Static_assert(AV_OFF_CTXT_PSTATE == AV_OFF_CTXT_PC + 8, "pc/pstate are stored as a pair");

_Static_assert(offsetof(struct av_arch_fpregs, v) == AV_OFF_FP_V, "fp v");
_Static_assert(offsetof(struct av_arch_fpregs, fpsr) == AV_OFF_FP_FPSR, "fp fpsr");
_Static_assert(offsetof(struct av_arch_fpregs, fpcr) == AV_OFF_FP_FPCR, "fp fpcr");

_Static_assert(offsetof(struct av_arch_cpu, ctxt) == AV_OFF_CPU_CTXT, "cpu ctxt");
_Static_assert(offsetof(struct av_arch_cpu, host.x19_x30) == AV_OFF_CPU_HOST, "cpu host");
_Static_assert(offsetof(struct av_arch_cpu, host.sp) == AV_OFF_CPU_HOST_SP, "cpu host sp");
_Static_assert(offsetof(struct av_arch_cpu, exit.kind) == AV_OFF_CPU_EXIT, "cpu exit");
_Static_assert(offsetof(struct av_arch_cpu, exit.esr) == AV_OFF_CPU_EXIT_ESR, "cpu exit esr");
_Static_assert(offsetof(struct av_arch_cpu, exit.far) == AV_OFF_CPU_EXIT_ESR + 8, "exit far");
_Static_assert(offsetof(struct av_arch_cpu, exit.hpfar) == AV_OFF_CPU_EXIT_ESR + 16, "hpfar");

/* fpsimd.c hands &ctxt->regs.v to the assembly as a struct av_arch_fpregs. */
_Static_assert(offsetof(struct av_regs, fpsr) - offsetof(struct av_regs, v) == AV_OFF_FP_FPSR,
	       "regs.v .. regs.fpsr must be laid out as struct av_arch_fpregs");
_Static_assert(offsetof(struct av_regs, fpcr) - offsetof(struct av_regs, v) == AV_OFF_FP_FPCR,
	       "regs.fpcr must follow regs.fpsr as in struct av_arch_fpregs");
_Static_assert(offsetof(struct av_regs, v) % 16 == 0, "regs.v must be 16-byte aligned for STP Q");
