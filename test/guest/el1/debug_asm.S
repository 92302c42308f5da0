/* SPDX-License-Identifier: MIT */
/*
 * Targets for the debug program's breakpoints, watchpoints and single step. Each access
 * function's first instruction is the access, so a watchpoint's ELR is the function's
 * address; the breakpoint and step targets have a fixed instruction layout.
 *
 * dbg_fn_a(x) = x + 7, dbg_fn_b(x) = x + 48, dbg_step_fn() = 24 (four steps, then ret).
 * dbg_loadN(addr) returns the zero-extended N-byte value; dbg_storeN(addr, v) stores it.
 */
	.text
	.balign	16
	.globl	dbg_fn_a
	.type	dbg_fn_a, %function
dbg_fn_a:
	add	x0, x0, #1
	add	x0, x0, #2
	add	x0, x0, #4
	ret
	.size	dbg_fn_a, . - dbg_fn_a

	.balign	16
	.globl	dbg_fn_b
	.type	dbg_fn_b, %function
dbg_fn_b:
	add	x0, x0, #16
	add	x0, x0, #32
	ret
	.size	dbg_fn_b, . - dbg_fn_b

	.balign	16
	.globl	dbg_step_fn
	.type	dbg_step_fn, %function
dbg_step_fn:
	mov	x1, #1
	add	x1, x1, #2
	lsl	x1, x1, #3
	mov	x0, x1
	ret
	.size	dbg_step_fn, . - dbg_step_fn

	.macro	access name, insn, reg
	.balign	16
	.globl	\name
	.type	\name, %function
\name:
	\insn	\reg, [x0]
	.ifc	\insn, ldrb
	mov	x0, x1
	.endif
	.ifc	\insn, ldrh
	mov	x0, x1
	.endif
	.ifc	\insn, ldr
	mov	x0, x1
	.endif
	ret
	.size	\name, . - \name
	.endm

	access	dbg_load1, ldrb, w1
	access	dbg_load2, ldrh, w1
	access	dbg_load4, ldr, w1
	access	dbg_load8, ldr, x1
	access	dbg_store1, strb, w1
	access	dbg_store2, strh, w1
	access	dbg_store4, str, w1
	access	dbg_store8, str, x1

/*
 * dbg_el0_call(a0, a1, fn): fn(a0, a1) at EL0 (EL0t, A/I/F masked), for a leaf fn that
 * needs no stack. The trampoline ends with SVC #0, whose handler (the debug program's)
 * returns to dbg_el0_back at EL1h: x0 = fn's result. The callee-saved registers are kept on
 * SP_EL1, which the SVC exception finds where the ERET left it.
 */
	.balign	16
	.globl	dbg_el0_call
	.type	dbg_el0_call, %function
dbg_el0_call:
	stp	x29, x30, [sp, #-96]!
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	adr	x3, dbg_el0_tramp
	msr	elr_el1, x3
	mov	x3, #0x1c0
	msr	spsr_el1, x3
	eret
dbg_el0_tramp:
	blr	x2
	svc	#0
	.globl	dbg_el0_back
dbg_el0_back:
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	x29, x30, [sp], #96
	ret
	.size	dbg_el0_call, . - dbg_el0_call
