/* SPDX-License-Identifier: MIT */
/* Constants and macros shared by the port's assembly files. */
#ifndef ARMVIRT_PORT_ASM_H
#define ARMVIRT_PORT_ASM_H

#define PORT_TEXT_OFFSET 0x80000
/* Image flags: bit 0 = 0 little-endian, bits 2:1 = 1 4K pages, bit 3 = 0 low placement. */
#define PORT_IMAGE_FLAGS 0x2
#define PORT_STACK_SIZE 0x8000
#define PORT_MAX_CPUS 8

#define CURRENTEL_EL2 (2 << 2)
/* CPTR_EL2 (E2H = 0): RES1 bits 13, 9:0; TZ (8) set, TFP (10) clear. */
#define CPTR_EL2_RES1_NVHE 0x33ff

#ifdef __ASSEMBLER__
/* Address of a symbol, PC-relative, +/- 4 GiB. */
	.macro	adr_l, dst, sym
	adrp	\dst, \sym
	add	\dst, \dst, :lo12:\sym
	.endm
#endif

#endif
