/* SPDX-License-Identifier: MIT */
/*
 * The minimal example's guest: a few dozen AArch64 instructions run at EL1 with the MMU
 * off, copied by the hypervisor to GUEST_RAM_IPA. Position independent (ADR only).
 *
 * Entry: x0 = GIC version of the VM (3 or 2).
 * Long-lived registers: x19 = GIC version, x20 = test device, x21/x22 = FP pattern,
 *                       x23 = GICC (GICv2), x24 = INTID the IRQ handler saw.
 * Each step ends with a 32-bit store of (step << REPORT_STEP_SHIFT) | ok to DEV_REPORT.
 */
#include "guest.h"

	.macro	report, step
	mov	w9, #((\step) << REPORT_STEP_SHIFT)
	.endm
	.macro	pass
	orr	w9, w9, #REPORT_OK
	.endm
	.macro	send
	str	w9, [x20, #DEV_REPORT]
	.endm

	.section .rodata.guest, "a"
	.balign	4096
	.globl	guest_image_start
guest_image_start:
	mov	x19, x0
	mov	x20, #GUEST_DEV_IPA
	mov	x23, #GUEST_GICC_IPA
	adr	x1, guest_vectors
	msr	vbar_el1, x1
	adr	x1, guest_image_start
	add	x1, x1, #(GUEST_RAM_SIZE / 2)
	mov	sp, x1
	isb

	/* 1. Echo hypercall: x0 = 0 back, x1-x3 unchanged. */
	report	STEP_ECHO
	movz	x0, #(HC_ECHO >> 16), lsl #16
	movk	x0, #(HC_ECHO & 0xffff)
	mov	x1, #0x111
	mov	x2, #0x222
	mov	x3, #0x333
	hvc	#0
	cbnz	x0, 1f
	cmp	x1, #0x111
	b.ne	1f
	cmp	x2, #0x222
	b.ne	1f
	cmp	x3, #0x333
	b.ne	1f
	pass
1:	send

	/* 2. A trapped ID register (HCR_EL2.TID3): SVE must be hidden. */
	report	STEP_SYSREG
	mrs	x1, id_aa64pfr0_el1
	str	x1, [x20, #DEV_DATA]		/* 64-bit store: the hypervisor checks the value */
	ubfx	x2, x1, #ID_AA64PFR0_SVE_SHIFT, #ID_AA64PFR0_SVE_WIDTH
	cbnz	x2, 1f
	pass
1:	send

	/* 3. MMIO: 32-bit loads and a 32-bit store to an unmapped IPA. */
	report	STEP_MMIO
	ldr	w1, [x20, #DEV_ID]
	movz	w2, #(DEV_ID_VALUE & 0xffff)
	movk	w2, #(DEV_ID_VALUE >> 16), lsl #16
	cmp	w1, w2
	b.ne	1f
	movz	w3, #0xbeef
	movk	w3, #0xdead, lsl #16
	str	w3, [x20, #DEV_SCRATCH]
	ldr	w4, [x20, #DEV_SCRATCH]
	cmp	w4, w3
	b.ne	1f
	pass
1:	send

	/* 4. FP/SIMD: the first use traps (lazy switch); the value survives the hypervisor
	 *    taking the registers away (DEV_FPFLUSH), which makes the next use trap again. */
	report	STEP_FPSIMD
	mov	x1, #CPACR_EL1_FPEN_NOTRAP
	msr	cpacr_el1, x1
	isb
	movz	x21, #(GUEST_FP_PATTERN & 0xffff)
	movk	x21, #((GUEST_FP_PATTERN >> 16) & 0xffff), lsl #16
	movk	x21, #((GUEST_FP_PATTERN >> 32) & 0xffff), lsl #32
	movk	x21, #((GUEST_FP_PATTERN >> 48) & 0xffff), lsl #48
	mvn	x22, x21
	fmov	d0, x21				/* traps to EL2 (CPTR_EL2.TFP) */
	fmov	d31, x21
	mov	v31.d[1], x22
	mov	w1, #1
	str	w1, [x20, #DEV_FPFLUSH]
	fmov	x3, d0				/* traps again: state reloaded */
	fmov	x4, d31
	mov	x5, v31.d[1]
	cmp	x3, x21
	b.ne	1f
	cmp	x4, x21
	b.ne	1f
	cmp	x5, x22
	b.ne	1f
	pass
1:	send

	/* 5. The virtual timer's PPI 27, delivered through the vGIC list registers. */
	report	STEP_VTIMER
	cmp	x19, #3
	b.ne	2f
	mov	x1, #GIC_PMR_ALLOW_ALL
	msr	icc_pmr_el1, x1			/* ICV_PMR_EL1 under HCR_EL2.IMO */
	mov	x1, #1
	msr	icc_igrpen1_el1, x1		/* ICV_IGRPEN1_EL1 */
	b	3f
2:	mov	w1, #GIC_PMR_ALLOW_ALL
	str	w1, [x23, #GICC_PMR]		/* the GICV frame */
	mov	w1, #GICC_CTLR_ENABLE_GRP0
	str	w1, [x23, #GICC_CTLR]
3:	isb
	mov	x24, #0
	mrs	x1, cntfrq_el0
	lsr	x1, x1, #TIMER_DELAY_SHIFT	/* about 1 ms */
	msr	cntv_tval_el0, x1
	mov	x1, #CNTV_CTL_ENABLE
	msr	cntv_ctl_el0, x1
	isb
	/* Wait with IRQs masked and open the window only after WFI: an interrupt taken
	 * between the check and the WFI would otherwise leave the WFI waiting forever.
	 * WFI wakes on a pending interrupt even while PSTATE.I masks it. */
4:	cbnz	x24, 5f
	wfi
	msr	daifclr, #2
	isb
	msr	daifset, #2
	b	4b
5:	cmp	x24, #VTIMER_INTID
	b.ne	1f
	pass
1:	send

	/* 6. Done: PSCI SYSTEM_OFF. */
power_off:
	movz	x0, #(PSCI_SYSTEM_OFF >> 16), lsl #16
	movk	x0, #(PSCI_SYSTEM_OFF & 0xffff)
	hvc	#0
	b	power_off

/* IRQ: acknowledge, silence the timer (level-sensitive), EOI (drop + deactivate; the LR's HW
 * bit deactivates the physical PPI too). Uses x10/x11 only. */
guest_irq:
	cmp	x19, #3
	b.ne	1f
	mrs	x10, icc_iar1_el1
	b	2f
1:	ldr	w10, [x23, #GICC_IAR]
2:	and	x11, x10, #GIC_INTID_MASK
	cmp	x11, #VTIMER_INTID
	b.ne	3f
	msr	cntv_ctl_el0, xzr
	isb
	mov	x24, x11
3:	cmp	x19, #3
	b.ne	4f
	msr	icc_eoir1_el1, x10
	b	5f
4:	str	w10, [x23, #GICC_EOIR]
5:	eret

/* Anything else: report STEP_FAULT with the vector number, then power off. */
	.macro	guest_vector, n
	.balign	0x80
	mov	w9, #((STEP_FAULT << REPORT_STEP_SHIFT) | \n)
	b	guest_fault
	.endm
	.macro	guest_irq_vector
	.balign	0x80
	b	guest_irq
	.endm

	.balign	0x800
guest_vectors:
	guest_vector 0
	guest_vector 1
	guest_vector 2
	guest_vector 3
	guest_vector 4
	guest_irq_vector		/* current EL, SP_EL1, IRQ */
	guest_vector 6
	guest_vector 7
	guest_vector 8
	guest_vector 9
	guest_vector 10
	guest_vector 11
	guest_vector 12
	guest_vector 13
	guest_vector 14
	guest_vector 15
guest_fault:
	str	w9, [x20, #DEV_REPORT]
	b	power_off

	.globl	guest_image_end
guest_image_end:
