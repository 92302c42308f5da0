/* SPDX-License-Identifier: MIT */
/*
 * The EL2 vector table used while guests exist (VBAR_EL2, installed by av_arch_cpu_init()).
 *
 * - Lower EL, AArch64 (a guest at EL1/EL0): sync, IRQ, FIQ and SError all leave the guest
 *   through guest_exit, which saves X0-X30, ELR_EL2 and SPSR_EL2 into the running context
 *   (TPIDR_EL2->ctxt), records the exit (kind, ESR_EL2, FAR_EL2, HPFAR_EL2) in the per-CPU
 *   block and returns to the caller of av_arch_enter_guest() with the kind in x0.
 *   Before that, a synchronous exit goes through the fast paths: an HVC whose W0 is in the
 *   running vCPU's fast-hypercall table (struct av_arch_fast_hvc) is answered there and
 *   the guest resumed with ERET, touching only X0 and four scratch registers it restores;
 *   for a vCPU with the library's fast path (av_arch_vcpu::fast_vcpu), guest_fast saves
 *   the guest and calls av_vm_fast_exit(); an exit it answers re-enters the guest
 *   (av__arch_guest_load, switch.S) unless the host asked for the vCPU back.
 * - Lower EL, AArch32: not supported (HCR_EL2.RW = 1); reported as a hypervisor fault.
 * - Current EL (the hypervisor itself): sync and SError call the port's av_arch_hyp_fault()
 *   (no return); IRQ and FIQ call av_arch_hyp_irq() with the caller-saved registers, ELR
 *   and SPSR preserved, then return to the interrupted code.
 */
#include "asm_offsets.h"

/* Frame of an EL2 IRQ: x0-x18, x29, x30, ELR_EL2, SPSR_EL2 (23 slots, 16-byte aligned). */
#define IRQ_FRAME 192

	/* Guest exit: free x0/x1 on the EL2 stack (the host SP saved at entry), x0 = kind. */
	.macro	guest_exit_vector, kind, to
	.balign	0x80
	stp	x0, x1, [sp, #-16]!
	mov	x0, #\kind
	b	\to
	.endm

	/*
	 * Guest synchronous exception: free x0/x1 as above, keep x0 (W0 = SMCCC function).
	 * Only the classes the library's fast path takes (HVC64, DABT_LOW, and SYS64 reads:
	 * MRS, the ID registers' trap) go further than a normal exit: an HVC to guest_hvc, an
	 * MRS to guest_sys, a data abort to guest_fast_rt. MSR (ICC_SGI1R_EL1, timer and
	 * debug writes) exits at once. x0, x1 = scratch (the EC, the vCPU, the syndrome).
	 */
	.macro	guest_sync_vector
	.balign	0x80
	stp	x0, x1, [sp, #-16]!
	mrs	x1, esr_el2
	ubfx	x1, x1, #26, #6			/* EC */
	cmp	x1, #AV_ASM_EC_HVC64
	b.eq	guest_hvc
	cmp	x1, #AV_ASM_EC_SYS64		/* before DABT_LOW: an MSR exits sooner */
	b.eq	guest_sys
	cmp	x1, #AV_ASM_EC_DABT_LOW
	b.ne	guest_exit_sync
	/* A data abort: guest_dabt, inline. */
	mrs	x0, tpidr_el2
	ldr	x0, [x0, #AV_OFF_CPU_RUNNING]
	cbz	x0, guest_exit_sync
	mrs	x1, esr_el2
	ubfx	x1, x1, #16, #5			/* ISS.SRT (0 when ISV = 0) */
	b	guest_fast_rt
	.endm

	/* Unexpected exception: x0 = vector index, then the common reporter. */
	.macro	fault_vector, vec
	.balign	0x80
	stp	x0, x1, [sp, #-16]!
	mov	x0, #\vec
	b	hyp_fault
	.endm

	.macro	irq_vector, fiq
	.balign	0x80
	sub	sp, sp, #IRQ_FRAME
	stp	x0, x1, [sp, #0]
	mov	x0, #\fiq
	b	hyp_irq
	.endm

	.text
	.balign	0x800
	.globl	av_arch_vectors
av_arch_vectors:
	/* Current EL with SP_EL0: the hypervisor never runs on SP_EL0. */
	fault_vector	0
	fault_vector	1
	fault_vector	2
	fault_vector	3
	/* Current EL with SP_EL2. */
	fault_vector	4
	irq_vector	0
	irq_vector	1
	fault_vector	7
	/* Lower EL, AArch64: the guest. */
	guest_sync_vector	/* AV_ARCH_EXIT_SYNC, through the fast paths */
	guest_exit_vector 1, guest_exit_irq	/* AV_ARCH_EXIT_IRQ */
	guest_exit_vector 2, guest_exit_irq	/* AV_ARCH_EXIT_FIQ */
	guest_exit_vector 3, guest_exit		/* AV_ARCH_EXIT_SERROR */
	/* Lower EL, AArch32. */
	fault_vector	12
	fault_vector	13
	fault_vector	14
	fault_vector	15

/*
 * Save the guest's registers into its context: x1 = the context, guest x0/x1 at [sp]
 * (popped), every other register still the guest's. x2, x3 are scratch afterwards.
 * save_guest saves all of them; save_guest_caller what a C call may clobber (x0-x18, x30,
 * PC, PSTATE) and x19; save_guest_x20_x29 (\base = the context) the rest, which AAPCS64
 * calls preserve.
 */
	.macro	save_guest_x2_x17
	stp	x2, x3, [x1, #AV_OFF_CTXT_X + 16]
	stp	x4, x5, [x1, #AV_OFF_CTXT_X + 32]
	stp	x6, x7, [x1, #AV_OFF_CTXT_X + 48]
	stp	x8, x9, [x1, #AV_OFF_CTXT_X + 64]
	stp	x10, x11, [x1, #AV_OFF_CTXT_X + 80]
	stp	x12, x13, [x1, #AV_OFF_CTXT_X + 96]
	stp	x14, x15, [x1, #AV_OFF_CTXT_X + 112]
	stp	x16, x17, [x1, #AV_OFF_CTXT_X + 128]
	.endm

	.macro	save_guest_x20_x29, base
	stp	x20, x21, [\base, #AV_OFF_CTXT_X + 160]
	stp	x22, x23, [\base, #AV_OFF_CTXT_X + 176]
	stp	x24, x25, [\base, #AV_OFF_CTXT_X + 192]
	stp	x26, x27, [\base, #AV_OFF_CTXT_X + 208]
	stp	x28, x29, [\base, #AV_OFF_CTXT_X + 224]
	.endm

	/* x30, then the guest's x0/x1 from the stack, PC and PSTATE. */
	.macro	save_guest_tail
	str	x30, [x1, #AV_OFF_CTXT_X30]
	ldp	x2, x3, [sp], #16		/* guest x0, x1; SP back to the host's */
	stp	x2, x3, [x1, #AV_OFF_CTXT_X]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [x1, #AV_OFF_CTXT_PC]
	.endm

	/* x19 goes with x18 as a pair: also in save_guest_caller, harmless there. */
	.macro	save_guest_caller
	save_guest_x2_x17
	stp	x18, x19, [x1, #AV_OFF_CTXT_X + 144]
	save_guest_tail
	.endm

	.macro	save_guest
	save_guest_x20_x29 x1
	save_guest_caller
	.endm

/*
 * An HVC. x0 = guest x0 (W0: function ID), guest x0/x1 at [sp]; every other register still
 * the guest's. A running vCPU's fast-hypercall table is searched: a hit is answered here.
 * Scratch: x1 = the vCPU, x2 = table cursor, x3 = entries left, x4 = candidate ID / hit
 * count (x2-x4 saved below the guest's x0/x1). A miss goes to the library's fast path
 * (guest_fast_hvc) if the vCPU has it, else to a normal exit.
 */
guest_hvc:
	mrs	x1, tpidr_el2
	ldr	x1, [x1, #AV_OFF_CPU_RUNNING]
	cbz	x1, guest_exit_sync
	stp	x2, x3, [sp, #-32]!
	str	x4, [sp, #16]
	ldp	x2, x3, [x1, #AV_OFF_VCPU_FAST_HVC]	/* table, entries */
	cbz	x2, 2f
	cbz	x3, 2f
1:	ldr	w4, [x2, #AV_OFF_FAST_FID]
	cmp	w4, w0
	b.eq	4f
	add	x2, x2, #AV_FAST_HVC_SIZE
	subs	x3, x3, #1
	b.ne	1b
2:	ldr	x4, [sp, #16]
	ldp	x2, x3, [sp], #32
	ldr	x0, [x1, #AV_OFF_VCPU_FAST_VCPU]	/* guest x0 is at [sp] */
	cbnz	x0, guest_fast_hvc
	b	guest_exit_sync
	/* A hit: X0 = the answer, count it, restore the scratch registers and x1, resume
	 * after the HVC (ELR_EL2 already points there; SPSR_EL2 is the guest's). */
4:	ldr	x0, [x2, #AV_OFF_FAST_X0]
	ldr	x4, [x1, #AV_OFF_VCPU_FAST_HITS]
	add	x4, x4, #1
	str	x4, [x1, #AV_OFF_VCPU_FAST_HITS]
	ldr	x4, [sp, #16]
	ldp	x2, x3, [sp], #32
	ldr	x1, [sp, #8]
	add	sp, sp, #16
	eret
	/* Nothing runs past an ERET; stop straight-line speculation. */
	dsb	nsh
	isb

/*
 * The library's fast path: guest x0/x1 at [sp], every other register the guest's. The
 * guest is saved as for an exit, then av_vm_fast_exit(fast_vcpu, esr, far, hpfar)
 * (lib/vm.c) runs on the host's stack with the EL1 state still live. Its answer:
 * - 0 (AV_EXIT_RESUME) and no request from the host (cpu->request): count the entry and
 *   re-enter the guest from its (maybe changed) context;
 * - another action, or RESUME with a request: exit AV_ARCH_EXIT_HANDLED, the action in
 *   cpu->exit_action;
 * - negative (not taken): a normal synchronous exit.
 */
	/* The call and its answer, once the guest is saved (x0 = the vCPU, fast_vcpu, which
	 * the save macros leave alone): \resume = where an answer to resume the guest goes
	 * (x0 = the context), \out = where the others go (x0 = the answer, x2 = the
	 * per-CPU block). */
	.macro	fast_call, resume, out
	mrs	x1, esr_el2
	mrs	x2, far_el2
	mrs	x3, hpfar_el2
	bl	av_vm_fast_exit
	mrs	x2, tpidr_el2
	cbnz	w0, \out			/* not taken, or an action for the host */
	ldr	w1, [x2, #AV_OFF_CPU_REQUEST]
	cbnz	w1, \out			/* the host wants the vCPU back */
	ldr	x1, [x2, #AV_OFF_CPU_RUNNING]
	ldr	x3, [x1, #AV_OFF_VCPU_ENTRIES]
	add	x3, x3, #1
	str	x3, [x1, #AV_OFF_VCPU_ENTRIES]
	ldr	x0, [x2, #AV_OFF_CPU_CTXT]
	b	\resume
	.endm

/*
 * A trapped MRS or other system instruction with ISS.Direction = 1 (an MSR exits at once),
 * guest x0/x1 at [sp]: the fast path for a vCPU announced in TPIDR_EL2->running that has
 * it, else a normal exit, as a data abort in the vector. x0, x1 = scratch.
 */
guest_sys:
	mrs	x1, esr_el2
	tbz	x1, #0, guest_exit_sync		/* ISS.Direction 0: MSR */
	mrs	x0, tpidr_el2
	ldr	x0, [x0, #AV_OFF_CPU_RUNNING]
	cbz	x0, guest_exit_sync
	ubfx	x1, x1, #5, #5			/* ISS.Rt */

/*
 * A data abort (x1 = SRT) or MRS (x1 = Rt) of a running vCPU (x0 = its struct
 * av_arch_vcpu) with the fast path: guest x0/x1 at [sp]. When the transfer register is one
 * the C code preserves (x19-x29), the whole guest is saved; otherwise only what the call
 * may clobber (guest_fast_part): the fast path reads and writes no other register.
 */
guest_fast_rt:
	ldr	x0, [x0, #AV_OFF_VCPU_FAST_VCPU]
	cbz	x0, guest_exit_sync
	sub	x1, x1, #19
	cmp	x1, #29 - 19
	b.hi	guest_fast_part

	/* Save the guest with \save (all, or the caller-saved part), store SCTLR_EL1 in the
	 * context if \sctlr (the MMIO path's endianness, without EL1 hooks), then fast_call. */
	.macro	fast_entry, save, sctlr, resume, out
	mrs	x1, tpidr_el2
	ldr	x1, [x1, #AV_OFF_CPU_CTXT]
	\save
	.if	\sctlr
	mrs	x2, sctlr_el1
	str	x2, [x1, #AV_OFF_CTXT_SCTLR]
	.endif
	fast_call \resume, \out
	.endm

guest_fast:
	fast_entry save_guest, 1, av__arch_guest_load, fast_out
guest_fast_part:
	fast_entry save_guest_caller, 1, av__arch_guest_load_caller, fast_out_callee

/*
 * An HVC the vectors' table did not answer, for the fast path: as guest_fast_part. The
 * SMCCC calls av_vm_fast_exit() answers read and write x0-x17 only (SMCCC preserves
 * x18-x30), and the C code preserves x19-x29: an answer that resumes reloads the saved
 * part only (av__arch_guest_load_caller); any other saves the rest of the guest first.
 */
guest_fast_hvc:
	fast_entry save_guest_caller, 0, av__arch_guest_load_caller, fast_out_callee
fast_out_callee:
	ldr	x1, [x2, #AV_OFF_CPU_CTXT]
	save_guest_x20_x29 x1

/* x0 = av_vm_fast_exit()'s answer, x2 = the per-CPU block, the guest saved. */
fast_out:
	tbnz	w0, #31, 2f			/* not taken */
	mov	w0, w0				/* int: the upper half is not defined */
	str	x0, [x2, #AV_OFF_CPU_EXIT_ACT]
	mov	x0, #AV_ASM_EXIT_HANDLED
	b	exit_record
2:	mov	x0, #AV_ASM_EXIT_SYNC
	b	exit_record

/*
 * x0 = exit kind; guest x0/x1 at [sp]; every other register still the guest's.
 * Register roles once the guest is saved:
 *   x1 = guest context, x2 = per-CPU block, x3..x5 = syndrome scratch.
 * guest_exit_sync: the same for a synchronous exit (x0 = AV_ARCH_EXIT_SYNC).
 */
guest_exit_sync:
	mov	x0, #AV_ASM_EXIT_SYNC
guest_exit:
	mrs	x1, tpidr_el2
	ldr	x1, [x1, #AV_OFF_CPU_CTXT]
	save_guest
	mrs	x2, tpidr_el2

	/* The exit record (x0 = kind, x2 = per-CPU block). */
exit_record:
	mrs	x3, esr_el2
	mrs	x4, far_el2
	mrs	x5, hpfar_el2
	stp	x0, x3, [x2, #AV_OFF_CPU_EXIT]	/* kind, esr */
	stp	x4, x5, [x2, #AV_OFF_CPU_EXIT_ESR + 8]

	/* Back to the host: its callee-saved registers and SP, then "return" x0 from
	 * av_arch_enter_guest(). */
to_host:
	ldp	x19, x20, [x2, #AV_OFF_CPU_HOST + 0]
	ldp	x21, x22, [x2, #AV_OFF_CPU_HOST + 16]
	ldp	x23, x24, [x2, #AV_OFF_CPU_HOST + 32]
	ldp	x25, x26, [x2, #AV_OFF_CPU_HOST + 48]
	ldp	x27, x28, [x2, #AV_OFF_CPU_HOST + 64]
	ldp	x29, x30, [x2, #AV_OFF_CPU_HOST + 80]
	ldr	x3, [x2, #AV_OFF_CPU_HOST_SP]
	mov	sp, x3
	ret

/*
 * An IRQ or FIQ exit, as guest_exit: ESR_EL2, FAR_EL2 and HPFAR_EL2 say nothing about it
 * (UNKNOWN), so the record holds zeros instead.
 */
guest_exit_irq:
	mrs	x1, tpidr_el2
	ldr	x1, [x1, #AV_OFF_CPU_CTXT]
	save_guest
	mrs	x2, tpidr_el2
	stp	x0, xzr, [x2, #AV_OFF_CPU_EXIT]	/* kind, esr */
	stp	xzr, xzr, [x2, #AV_OFF_CPU_EXIT_ESR + 8]
	b	to_host

/*
 * x0 = vector index; the interrupted x0/x1 at [sp]. Builds a struct av_arch_fault on the
 * stack (vector, esr, elr, far, spsr) and calls the port, which does not return.
 */
hyp_fault:
	sub	sp, sp, #48
	mrs	x1, esr_el2
	stp	x0, x1, [sp, #0]
	mrs	x0, elr_el2
	mrs	x1, far_el2
	stp	x0, x1, [sp, #16]
	mrs	x0, spsr_el2
	str	x0, [sp, #32]
	mov	x0, sp
	bl	av_arch_hyp_fault
1:	wfe
	b	1b

/*
 * x0 = 1 for FIQ, 0 for IRQ; the frame is allocated and x0/x1 saved in it.
 * Saves the rest of the AAPCS64 caller-saved set plus ELR/SPSR (a nested exception, e.g. a
 * fault inside the handler, would overwrite them), calls the port, restores, returns.
 */
hyp_irq:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x29, [sp, #144]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x30, x2, [sp, #160]
	str	x3, [sp, #176]
	bl	av_arch_hyp_irq
	ldr	x3, [sp, #176]
	ldp	x30, x2, [sp, #160]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	ldp	x18, x29, [sp, #144]
	ldp	x16, x17, [sp, #128]
	ldp	x14, x15, [sp, #112]
	ldp	x12, x13, [sp, #96]
	ldp	x10, x11, [sp, #80]
	ldp	x8, x9, [sp, #64]
	ldp	x6, x7, [sp, #48]
	ldp	x4, x5, [sp, #32]
	ldp	x2, x3, [sp, #16]
	ldp	x0, x1, [sp, #0]
	add	sp, sp, #IRQ_FRAME
	eret
	dsb	nsh
	isb
