/* SPDX-License-Identifier: MIT */
/*
 * FP/SIMD register file save and load (struct av_arch_fpregs). The caller makes sure FP is
 * accessible at EL2 (CPTR_EL2.TFP = 0, followed by an ISB); fpsimd.c does.
 */
#include "asm_offsets.h"

	.text
	.balign	16
/* void av_arch_fpsimd_save(struct av_arch_fpregs *f)  x0 = f */
	.globl	av_arch_fpsimd_save
	.type	av_arch_fpsimd_save, %function
av_arch_fpsimd_save:
	stp	q0, q1, [x0, #AV_OFF_FP_V + 0 * 32]
	stp	q2, q3, [x0, #AV_OFF_FP_V + 1 * 32]
	stp	q4, q5, [x0, #AV_OFF_FP_V + 2 * 32]
	stp	q6, q7, [x0, #AV_OFF_FP_V + 3 * 32]
	stp	q8, q9, [x0, #AV_OFF_FP_V + 4 * 32]
	stp	q10, q11, [x0, #AV_OFF_FP_V + 5 * 32]
	stp	q12, q13, [x0, #AV_OFF_FP_V + 6 * 32]
	stp	q14, q15, [x0, #AV_OFF_FP_V + 7 * 32]
	stp	q16, q17, [x0, #AV_OFF_FP_V + 8 * 32]
	stp	q18, q19, [x0, #AV_OFF_FP_V + 9 * 32]
	stp	q20, q21, [x0, #AV_OFF_FP_V + 10 * 32]
	stp	q22, q23, [x0, #AV_OFF_FP_V + 11 * 32]
	stp	q24, q25, [x0, #AV_OFF_FP_V + 12 * 32]
	stp	q26, q27, [x0, #AV_OFF_FP_V + 13 * 32]
	stp	q28, q29, [x0, #AV_OFF_FP_V + 14 * 32]
	stp	q30, q31, [x0, #AV_OFF_FP_V + 15 * 32]
	mrs	x1, fpsr
	mrs	x2, fpcr
	add	x0, x0, #AV_OFF_FP_FPSR		/* beyond LDP/STP's reach from the base */
	stp	x1, x2, [x0]
	ret
	.size	av_arch_fpsimd_save, . - av_arch_fpsimd_save

/* void av_arch_fpsimd_load(const struct av_arch_fpregs *f)  x0 = f */
	.globl	av_arch_fpsimd_load
	.type	av_arch_fpsimd_load, %function
av_arch_fpsimd_load:
	ldp	q0, q1, [x0, #AV_OFF_FP_V + 0 * 32]
	ldp	q2, q3, [x0, #AV_OFF_FP_V + 1 * 32]
	ldp	q4, q5, [x0, #AV_OFF_FP_V + 2 * 32]
	ldp	q6, q7, [x0, #AV_OFF_FP_V + 3 * 32]
	ldp	q8, q9, [x0, #AV_OFF_FP_V + 4 * 32]
	ldp	q10, q11, [x0, #AV_OFF_FP_V + 5 * 32]
	ldp	q12, q13, [x0, #AV_OFF_FP_V + 6 * 32]
	ldp	q14, q15, [x0, #AV_OFF_FP_V + 7 * 32]
	ldp	q16, q17, [x0, #AV_OFF_FP_V + 8 * 32]
	ldp	q18, q19, [x0, #AV_OFF_FP_V + 9 * 32]
	ldp	q20, q21, [x0, #AV_OFF_FP_V + 10 * 32]
	ldp	q22, q23, [x0, #AV_OFF_FP_V + 11 * 32]
	ldp	q24, q25, [x0, #AV_OFF_FP_V + 12 * 32]
	ldp	q26, q27, [x0, #AV_OFF_FP_V + 13 * 32]
	ldp	q28, q29, [x0, #AV_OFF_FP_V + 14 * 32]
	ldp	q30, q31, [x0, #AV_OFF_FP_V + 15 * 32]
	add	x0, x0, #AV_OFF_FP_FPSR
	ldp	x1, x2, [x0]
	msr	fpsr, x1
	msr	fpcr, x2
	ret
	.size	av_arch_fpsimd_load, . - av_arch_fpsimd_load
