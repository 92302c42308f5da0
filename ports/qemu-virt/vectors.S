/* SPDX-License-Identifier: MIT */
/*
 * The port's own EL2 vector table, used from reset until port_cpu_setup() installs the arch
 * layer's vectors: any exception taken here is a boot bug, reported by port_el2_fault() (which
 * prints the syndrome and ends the run with a failure status).
 */
#include "port_asm.h"

	.macro	fault_entry, kind
	.balign	0x80
	sub	sp, sp, #16
	stp	x0, x1, [sp]
	mov	x0, #\kind
	b	fault_common
	.endm

	.text
	.balign	0x800
	.globl	port_el2_vectors
port_el2_vectors:
	fault_entry 0	/* current EL, SP_EL0: sync */
	fault_entry 1	/* IRQ */
	fault_entry 2	/* FIQ */
	fault_entry 3	/* SError */
	fault_entry 4	/* current EL, SP_ELx: sync */
	fault_entry 5
	fault_entry 6
	fault_entry 7
	fault_entry 8	/* lower EL, AArch64: sync */
	fault_entry 9
	fault_entry 10
	fault_entry 11
	fault_entry 12	/* lower EL, AArch32 */
	fault_entry 13
	fault_entry 14
	fault_entry 15

fault_common:
	mrs	x1, esr_el2
	mrs	x2, elr_el2
	mrs	x3, far_el2
	bl	port_el2_fault
1:	wfe
	b	1b
