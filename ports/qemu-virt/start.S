/* SPDX-License-Identifier: MIT */
/*
 * EL2 entry for QEMU's virt board. The image carries the arm64 Image header, so QEMU loads
 * it at RAM base + text_offset and enters it at EL2 with x0 = the board's DTB (a plain ELF
 * would get no DTB at all).
 *
 * Register roles on entry: x0 = DTB physical address (primary CPU);
 *                          x0 = context id = logical CPU index (secondaries, via PSCI CPU_ON).
 */
#include "port_asm.h"

	.section .text.head, "ax"
	.globl	_start
_start:
	b	primary_entry			/* code0 */
	.long	0				/* code1 */
	.quad	PORT_TEXT_OFFSET		/* text_offset */
	.quad	__image_size			/* image_size: loaded size including bss */
	.quad	PORT_IMAGE_FLAGS		/* flags: LE, 4K pages, low placement */
	.quad	0, 0, 0				/* res2..res4 */
	.ascii	"ARM\x64"			/* magic */
	.long	0				/* res5 */

	.text
primary_entry:
	mov	x19, x0				/* x19 = DTB */
	mov	x20, #0				/* x20 = logical CPU 0 */
	bl	el2_setup
	cbnz	x0, not_el2

	/* Zero .bss once, on the primary. */
	adr_l	x1, __bss_start
	adr_l	x2, __bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:
	mov	x0, x19
	bl	port_primary_main
	b	park

	.globl	port_secondary_entry
port_secondary_entry:
	mov	x20, x0				/* context id = logical CPU index */
	bl	el2_setup
	cbnz	x0, park
	mov	x0, x20
	bl	port_secondary_main
	b	park

/*
 * el2_setup: check we are at EL2, give this CPU its stack (x20 = CPU index), enable FP/SIMD
 * for the hypervisor's own code, install the vectors. Returns x0 = 0, or 1 if not at EL2.
 * Clobbers x0-x3; keeps x19/x20.
 */
el2_setup:
	mrs	x0, CurrentEL
	cmp	x0, #CURRENTEL_EL2
	b.ne	1f
	adr_l	x1, __stacks_top
	mov	x2, #PORT_STACK_SIZE
	msub	x1, x2, x20, x1			/* top of this CPU's stack */
	mov	sp, x1
	mov	x0, #CPTR_EL2_RES1_NVHE		/* TFP = 0: FP/SIMD usable at EL2 (libfdt uses it) */
	msr	cptr_el2, x0
	adr_l	x0, port_el2_vectors
	msr	vbar_el2, x0
	isb
	mov	x0, #0
	ret
1:	mov	x0, #1
	ret

not_el2:
	/* Nothing to print with yet: a wrong-EL boot parks; the runner's timeout reports it. */
park:
	wfe
	b	park
