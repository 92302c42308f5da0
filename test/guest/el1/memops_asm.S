/* SPDX-License-Identifier: MIT */
/*
 * One memory instruction per routine for memops.c, x0 = the address. The instruction is
 * labelled mo_<name>_insn so that the C side can compare ELR_EL1 with it; after an abort
 * the runtime's probe resumes at the next instruction.
 */
	.arch	armv8.1-a
	.text

	.macro	op name, insn:vararg
	.globl	mo_\name
	.globl	mo_\name\()_insn
mo_\name:
mo_\name\()_insn:
	\insn
	ret
	.endm

/* Defined instructions the hypervisor does not emulate on a device. */
	op	ldxr,	ldxr x1, [x0]
	op	ldadd,	ldadd x1, x2, [x0]
	op	swp,	swp x1, x2, [x0]
	op	cas,	cas x1, x2, [x0]
	op	dczva,	dc zva, x0
	op	ld1,	ld1 {v0.16b}, [x0]
	op	st1,	st1 {v0.16b}, [x0]
	op	ldaxr,	ldaxr x1, [x0]
	op	ldp_q,	ldp q0, q1, [x0]

/* mo_stxr(addr): the status register (7 if the store did not execute). */
	.globl	mo_stxr
	.globl	mo_stxr_insn
mo_stxr:
	mov	w2, #7
mo_stxr_insn:
	stxr	w2, x1, [x0]
	mov	w0, w2
	ret

/* Neighbours that must work. mo_ldar(addr), mo_ldnp(addr): the value loaded (LDNP: the
 * second word in bits 63:32); mo_stlr(addr, val). */
	.globl	mo_ldar
mo_ldar:
	ldar	w0, [x0]
	ret

	.globl	mo_stlr
mo_stlr:
	stlr	w1, [x0]
	ret

	.globl	mo_ldnp
mo_ldnp:
	ldnp	w2, w3, [x0]
	orr	x0, x2, x3, lsl #32
	ret

	op	dccivac, dc civac, x0
	op	prfm,	prfm pldl1keep, [x0]
	op	dccvac,	dc cvac, x0
	op	dcivac,	dc ivac, x0
	op	dccvau,	dc cvau, x0
	op	icivau,	ic ivau, x0

/* mo_at_s1e1r(addr), mo_at_s1e1w(addr): PAR_EL1 after the stage 1 translation. */
	.globl	mo_at_s1e1r
mo_at_s1e1r:
	at	s1e1r, x0
	isb
	mrs	x0, par_el1
	ret

	.globl	mo_at_s1e1w
mo_at_s1e1w:
	at	s1e1w, x0
	isb
	mrs	x0, par_el1
	ret

/* Plain loads at any alignment (with the MMU on and Normal memory, unaligned accesses are
 * permitted); the value loaded. */
	op	ldr_w,	ldr w0, [x0]
	op	ldr_x,	ldr x0, [x0]

/*
 * void mo_mmu_on(uint64_t sctlr, uint64_t ttbr0, uint64_t tcr, uint64_t mair): the
 * translation regime, then the MMU on (sctlr has M set). void mo_mmu_off(uint64_t sctlr):
 * the MMU off first (the regime registers are left as they are).
 */
	.globl	mo_mmu_on
mo_mmu_on:
	dsb	sy
	msr	mair_el1, x3
	msr	tcr_el1, x2
	msr	ttbr0_el1, x1
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	msr	sctlr_el1, x0
	isb
	ret

	.globl	mo_mmu_off
mo_mmu_off:
	dsb	sy
	msr	sctlr_el1, x0
	isb
	ret
