/* SPDX-License-Identifier: MIT */
/*
 * Entry of the kvm test guests: an arm64 Image header (text_offset 0x80000, so the VMM
 * loads it at 0x40080000), a stack, a zeroed .bss, main(), then PSCI SYSTEM_OFF.
 */
	.section .text.head, "ax"
	.globl _start
_start:
	b	entry			/* code0 */
	.long	0			/* code1 */
	.quad	0x80000			/* text_offset */
	.quad	_end - _start		/* image_size */
	.quad	0x2			/* flags: little-endian, 4 KiB pages */
	.quad	0, 0, 0			/* res2..res4 */
	.long	0x644d5241		/* "ARM\x64" */
	.long	0			/* res5 */

entry:
	mov	x19, x0			/* DTB address */
	ldr	x1, =stack_top
	mov	sp, x1
	/* FP/SIMD on at EL1 (CPACR_EL1.FPEN = 0b11): compiled code may use it. */
	mov	x1, #(3 << 20)
	msr	cpacr_el1, x1
	isb
	ldr	x1, =__bss_start
	ldr	x2, =__bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	mov	x0, x19
	bl	main
	bl	guest_poweroff
3:	wfi
	b	3b
