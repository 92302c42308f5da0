/* SPDX-License-Identifier: MIT */
/* Compile-time proof that asm_offsets.h matches the C layouts the assembly walks. */
#include <stddef.h>

#include <armvirt/arch/aarch64.h>
#include <armvirt/esr.h>
#include <armvirt/vm.h>

#include "asm_offsets.h"

_Static_assert(offsetof(struct av_ctxt, regs.x) == AV_OFF_CTXT_X, "ctxt x");
_Static_assert(offsetof(struct av_ctxt, regs.x[30]) == AV_OFF_CTXT_X30, "ctxt x30");
_Static_assert(offsetof(struct av_ctxt, regs.pc) == AV_OFF_CTXT_PC, "ctxt pc");
_Static_assert(offsetof(struct av_ctxt, regs.pstate) == AV_OFF_CTXT_PSTATE, "ctxt pstate");
_Static_assert(AV_OFF_CTXT_PSTATE == AV_OFF_CTXT_PC + 8, "pc/pstate are stored as a pair");
_Static_assert(offsetof(struct av_ctxt, el1.sctlr) == AV_OFF_CTXT_SCTLR, "ctxt sctlr");

_Static_assert(offsetof(struct av_arch_fpregs, v) == AV_OFF_FP_V, "fp v");
_Static_assert(offsetof(struct av_arch_fpregs, fpsr) == AV_OFF_FP_FPSR, "fp fpsr");
_Static_assert(offsetof(struct av_arch_fpregs, fpcr) == AV_OFF_FP_FPCR, "fp fpcr");

_Static_assert(offsetof(struct av_arch_cpu, ctxt) == AV_OFF_CPU_CTXT, "cpu ctxt");
_Static_assert(offsetof(struct av_arch_cpu, host.x19_x30) == AV_OFF_CPU_HOST, "cpu host");
_Static_assert(offsetof(struct av_arch_cpu, host.sp) == AV_OFF_CPU_HOST_SP, "cpu host sp");
_Static_assert(offsetof(struct av_arch_cpu, exit.kind) == AV_OFF_CPU_EXIT, "cpu exit");
_Static_assert(offsetof(struct av_arch_cpu, exit.esr) == AV_OFF_CPU_EXIT_ESR, "cpu exit esr");
_Static_assert(AV_OFF_CPU_EXIT_ESR == AV_OFF_CPU_EXIT + 8, "exit kind and esr are a pair");
_Static_assert(offsetof(struct av_arch_cpu, exit.far) == AV_OFF_CPU_EXIT_ESR + 8, "exit far");
_Static_assert(offsetof(struct av_arch_cpu, exit.hpfar) == AV_OFF_CPU_EXIT_ESR + 16, "hpfar");
_Static_assert(offsetof(struct av_arch_cpu, exit_action) == AV_OFF_CPU_EXIT_ACT, "exit action");
_Static_assert(offsetof(struct av_arch_cpu, running) == AV_OFF_CPU_RUNNING, "cpu running");
_Static_assert(offsetof(struct av_arch_cpu, request) == AV_OFF_CPU_REQUEST, "cpu request");
_Static_assert(sizeof(((struct av_arch_cpu *)0)->request) == 4, "request is loaded as a word");

_Static_assert(offsetof(struct av_arch_vcpu, entries) == AV_OFF_VCPU_ENTRIES, "entries");
_Static_assert(offsetof(struct av_arch_vcpu, fast_hvc) == AV_OFF_VCPU_FAST_HVC, "fast_hvc");
_Static_assert(offsetof(struct av_arch_vcpu, nr_fast_hvc) == AV_OFF_VCPU_FAST_HVC + 8,
	       "fast_hvc and nr_fast_hvc are loaded as a pair");
_Static_assert(offsetof(struct av_arch_vcpu, fast_hvc_hits) == AV_OFF_VCPU_FAST_HITS,
	       "fast_hvc_hits");
_Static_assert(offsetof(struct av_arch_vcpu, fast_vcpu) == AV_OFF_VCPU_FAST_VCPU, "fast_vcpu");
_Static_assert(offsetof(struct av_arch_fast_hvc, fid) == AV_OFF_FAST_FID, "fast fid");
_Static_assert(offsetof(struct av_arch_fast_hvc, x0) == AV_OFF_FAST_X0, "fast x0");
_Static_assert(sizeof(struct av_arch_fast_hvc) == AV_FAST_HVC_SIZE, "fast entry size");
_Static_assert(AV_ASM_EC_HVC64 == AV_ESR_EC_HVC64, "EC of HVC64");
_Static_assert(AV_ASM_EC_DABT_LOW == AV_ESR_EC_DABT_LOW, "EC of DABT_LOW");
_Static_assert(AV_ASM_EC_SYS64 == AV_ESR_EC_SYS64, "EC of SYS64");

/* fpsimd.c hands &ctxt->regs.v to the assembly as a struct av_arch_fpregs. */
_Static_assert(offsetof(struct av_regs, fpsr) - offsetof(struct av_regs, v) == AV_OFF_FP_FPSR,
	       "regs.v .. regs.fpsr must be laid out as struct av_arch_fpregs");
_Static_assert(offsetof(struct av_regs, fpcr) - offsetof(struct av_regs, v) == AV_OFF_FP_FPCR,
	       "regs.fpcr must follow regs.fpsr as in struct av_arch_fpregs");
_Static_assert(offsetof(struct av_regs, v) % 16 == 0, "regs.v must be 16-byte aligned for STP Q");

/* The fast path's answers, as the vectors test them. */
_Static_assert(AV_ASM_EXIT_SYNC == AV_ARCH_EXIT_SYNC, "exit kind SYNC");
_Static_assert(AV_ASM_EXIT_HANDLED == AV_ARCH_EXIT_HANDLED, "exit kind HANDLED");
_Static_assert(AV_EXIT_RESUME == 0, "av_vm_fast_exit() answers RESUME as 0");
