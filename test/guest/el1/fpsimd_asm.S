/* SPDX-License-Identifier: MIT */
/*
 * FP/SIMD register patterns. fp_fill(seed, fpcr, fpsr) loads V0-V31 with values derived
 * from seed and sets FPCR/FPSR; fp_check(seed, fpcr, fpsr) returns a mask of the registers
 * that no longer hold their pattern: bit n = Vn, bit 32 = FPCR, bit 33 = FPSR.
 * Only general-purpose registers x0-x13 are used besides the V registers.
 */
#define K_STEP	0x9e3779b97f4a7c15
#define K_HIGH	0xc3a5c85c97cb3127

	.text
	.globl	fp_fill
fp_fill:
	msr	fpcr, x1
	msr	fpsr, x2
	ldr	x6, =K_STEP
	ldr	x7, =K_HIGH
	mov	x4, x0
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	add	x4, x4, x6
	eor	x5, x7, x4, ror #17
	fmov	d\n, x4
	mov	v\n\().d[1], x5
	.endr
	ret

	.globl	fp_check
fp_check:
	mov	x9, #0
	ldr	x6, =K_STEP
	ldr	x7, =K_HIGH
	mov	x4, x0
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	add	x4, x4, x6
	eor	x5, x7, x4, ror #17
	fmov	x10, d\n
	mov	x11, v\n\().d[1]
	cmp	x10, x4
	cset	x12, ne
	cmp	x11, x5
	cset	x13, ne
	orr	x12, x12, x13
	orr	x9, x9, x12, lsl #\n
	.endr
	mrs	x10, fpcr
	cmp	x10, x1
	cset	x12, ne
	orr	x9, x9, x12, lsl #32
	mrs	x10, fpsr
	cmp	x10, x2
	cset	x12, ne
	orr	x9, x9, x12, lsl #33
	mov	x0, x9
	ret
