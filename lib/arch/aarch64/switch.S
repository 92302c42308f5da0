/* SPDX-License-Identifier: MIT */
/*
 * The world switch, entry half: av_arch_enter_guest(ctxt, cpu).
 *
 * The exit half is in vectors.S (guest_exit): it saves the guest and returns to this
 * function's caller as if av_arch_enter_guest() had returned the exit kind. An exit the
 * library's fast path answers (guest_fast) re-enters through av__arch_guest_load below,
 * with the host's registers still saved from this call.
 *
 * Only general-purpose registers, SP_EL2, ELR_EL2 and SPSR_EL2 are moved here; EL1 system
 * registers, the timer, FP/SIMD and the GIC are switched in C (ctxt_sr.c, fpsimd.c,
 * gic_v*_lr.c) and only when the vCPU changes.
 */
#include "asm_offsets.h"

/*
 * x0 = ctxt, x18-x29 loaded: PC and PSTATE (the ERET target, through x2/x3), x2-x17, x30,
 * and x0/x1 last (x0 is the base); enter the guest.
 */
	.macro	load_guest_tail
	ldp	x2, x3, [x0, #AV_OFF_CTXT_PC]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	ldp	x2, x3, [x0, #AV_OFF_CTXT_X + 16]
	ldp	x4, x5, [x0, #AV_OFF_CTXT_X + 32]
	ldp	x6, x7, [x0, #AV_OFF_CTXT_X + 48]
	ldp	x8, x9, [x0, #AV_OFF_CTXT_X + 64]
	ldp	x10, x11, [x0, #AV_OFF_CTXT_X + 80]
	ldp	x12, x13, [x0, #AV_OFF_CTXT_X + 96]
	ldp	x14, x15, [x0, #AV_OFF_CTXT_X + 112]
	ldp	x16, x17, [x0, #AV_OFF_CTXT_X + 128]
	ldr	x30, [x0, #AV_OFF_CTXT_X30]
	ldp	x0, x1, [x0, #AV_OFF_CTXT_X]
	/* ERET is context synchronising: the EL2 control writes done in C take effect here. */
	eret
	/* Nothing runs past an ERET; stop straight-line speculation. */
	dsb	nsh
	isb
	.endm

	.text
	.balign	16
	.globl	av_arch_enter_guest
	.type	av_arch_enter_guest, %function
/*
 * uint64_t av_arch_enter_guest(struct av_ctxt *ctxt, struct av_arch_cpu *cpu)
 *   x0 = ctxt: the guest register file to load (regs.x[0..30], regs.pc, regs.pstate)
 *   x1 = cpu:  this CPU's struct av_arch_cpu (== TPIDR_EL2); receives the host registers
 * Returns (through guest_exit) x0 = enum av_arch_exit_kind.
 */
av_arch_enter_guest:
	/* Host callee-saved registers, frame pointer, link register and SP_EL2. */
	stp	x19, x20, [x1, #AV_OFF_CPU_HOST + 0]
	stp	x21, x22, [x1, #AV_OFF_CPU_HOST + 16]
	stp	x23, x24, [x1, #AV_OFF_CPU_HOST + 32]
	stp	x25, x26, [x1, #AV_OFF_CPU_HOST + 48]
	stp	x27, x28, [x1, #AV_OFF_CPU_HOST + 64]
	stp	x29, x30, [x1, #AV_OFF_CPU_HOST + 80]
	mov	x2, sp
	str	x2, [x1, #AV_OFF_CPU_HOST_SP]
	/* The vectors find the guest context through TPIDR_EL2->ctxt. */
	str	x0, [x1, #AV_OFF_CPU_CTXT]

	/* x0 = ctxt: load the guest and enter it. Also where the vectors' fast path
	 * (guest_fast) re-enters the guest after an exit it answered. */
	.globl	av__arch_guest_load
	.hidden	av__arch_guest_load
av__arch_guest_load:

	/* Guest GPRs: x18-x29, then the rest (load_guest_tail). */
	ldp	x20, x21, [x0, #AV_OFF_CTXT_X + 160]
	ldp	x22, x23, [x0, #AV_OFF_CTXT_X + 176]
	ldp	x24, x25, [x0, #AV_OFF_CTXT_X + 192]
	ldp	x26, x27, [x0, #AV_OFF_CTXT_X + 208]
	ldp	x28, x29, [x0, #AV_OFF_CTXT_X + 224]
	ldp	x18, x19, [x0, #AV_OFF_CTXT_X + 144]
	load_guest_tail

	/* The same without x19-x29, which are still the guest's (the vectors' fast path with
	 * only the caller-saved registers saved, guest_fast_part in vectors.S). */
	.globl	av__arch_guest_load_caller
	.hidden	av__arch_guest_load_caller
av__arch_guest_load_caller:
	ldr	x18, [x0, #AV_OFF_CTXT_X + 144]
	load_guest_tail
	.size	av_arch_enter_guest, . - av_arch_enter_guest
