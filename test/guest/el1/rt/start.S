/* SPDX-License-Identifier: MIT */
/*
 * EL1 guest entry: arm64 Image header, boot vCPU entry (x0 = DTB), secondary entry (PSCI
 * CPU_ON, x0 = context id = vCPU index) and the EL1 exception vector table.
 */
#define STACK_SIZE	0x4000
#define RT_MAX_CPUS_ASM	8	/* RT_MAX_CPUS in rt.h */
#define SCTLR_EL1_MMU_OFF 0x30d00800	/* RES1 bits only: MMU, caches, alignment checks off */
#define CPACR_FPEN	(3 << 20)	/* FP/SIMD usable at EL1 and EL0 */

	.section .text.head, "ax"
	.globl	_start
_start:
	b	rt_primary_entry		/* code0 */
	.long	0				/* code1 */
	.quad	0x80000				/* text_offset */
	.quad	__image_size			/* image_size, including bss and stacks */
	.quad	0x2				/* flags: little-endian, 4K pages, low placement */
	.quad	0, 0, 0				/* res2..res4 */
	.ascii	"ARM\x64"			/* magic */
	.long	0				/* res5 */

	.text
/* Common per-vCPU setup; x19 = stack slot. Clobbers x0-x2. */
cpu_setup:
	msr	daifset, #0xf
	ldr	x0, =SCTLR_EL1_MMU_OFF
	msr	sctlr_el1, x0
	mov	x0, #CPACR_FPEN
	msr	cpacr_el1, x0
	adrp	x0, rt_vectors
	add	x0, x0, :lo12:rt_vectors
	msr	vbar_el1, x0
	isb
	adrp	x0, __stacks_top
	add	x0, x0, :lo12:__stacks_top
	mov	x1, #STACK_SIZE
	msub	x0, x1, x19, x0
	mov	sp, x0
	ret

rt_primary_entry:
	mov	x20, x0				/* DTB */
	mov	x19, #0				/* stack slot 0 */
	bl	cpu_setup
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	mov	x0, x20
	bl	rt_primary_main
	b	rt_park

	.globl	rt_secondary_entry
rt_secondary_entry:
	cmp	x0, #RT_MAX_CPUS_ASM
	b.hs	rt_park
	add	x19, x0, #1			/* stack slot = vCPU index + 1 */
	mov	x20, x0
	bl	cpu_setup
	mov	x0, x20
	bl	rt_secondary_main
	b	rt_park

	.globl	rt_park
rt_park:
	msr	daifset, #0xf
3:	wfi
	b	3b

/*
 * Vector table. Each entry saves x0/x1, loads the entry kind into x1 and joins the common
 * path, which saves the rest of the frame (struct rt_frame) and calls rt_exception().
 */
#define FRAME_SIZE 288
	.macro	ventry kind
	.balign	0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x1, #\kind
	b	rt_exc_common
	.endm

	.balign	0x800
	.globl	rt_vectors
rt_vectors:
	ventry	0	/* current EL, SP_EL0: sync */
	ventry	1	/* irq */
	ventry	2	/* fiq */
	ventry	3	/* serror */
	ventry	4	/* current EL, SP_ELx: sync */
	ventry	5	/* irq */
	ventry	6	/* fiq */
	ventry	7	/* serror */
	ventry	8	/* lower EL, AArch64 */
	ventry	9
	ventry	10
	ventry	11
	ventry	12	/* lower EL, AArch32 */
	ventry	13
	ventry	14
	ventry	15

rt_exc_common:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	mrs	x2, elr_el1
	stp	x30, x2, [sp, #240]
	mrs	x2, spsr_el1
	mrs	x3, esr_el1
	stp	x2, x3, [sp, #256]
	mrs	x2, far_el1
	str	x2, [sp, #272]
	mov	x0, sp
	bl	rt_exception
	ldp	x30, x2, [sp, #240]
	msr	elr_el1, x2
	ldr	x2, [sp, #256]
	msr	spsr_el1, x2
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	add	sp, sp, #FRAME_SIZE
	eret
