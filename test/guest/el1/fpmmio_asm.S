/* SPDX-License-Identifier: MIT */
/*
 * SIMD&FP loads and stores to emulated devices (fpmmio.c). Each routine first writes the
 * V register it then transfers, so the vCPU's FP/SIMD state is live in the hardware when
 * the access traps (lazy switching has already given the registers to the vCPU), and
 * stores what the V registers hold afterwards to a buffer for the C side to check.
 */
	.text

/* void fpm_ldr_s(uint64_t addr, uint64_t fill, uint64_t out[3], uint64_t fpcr)
 * V0 = fill in both halves, FPCR = fpcr; ldr s0, [addr]; out = V0 low, V0 high, FPCR. */
	.globl	fpm_ldr_s
fpm_ldr_s:
	msr	fpcr, x3
	dup	v0.2d, x1
	ldr	s0, [x0]
	mrs	x4, fpcr
	mov	x5, v0.d[0]
	mov	x6, v0.d[1]
	stp	x5, x6, [x2]
	str	x4, [x2, #16]
	msr	fpcr, xzr
	ret

/* void fpm_ldr_bh(uint64_t addr_b, uint64_t addr_h, uint64_t fill, uint64_t out[4])
 * ldr b1, [addr_b]; ldr h2, [addr_h]; out = V1 low/high, V2 low/high. */
	.globl	fpm_ldr_bh
fpm_ldr_bh:
	dup	v1.2d, x2
	dup	v2.2d, x2
	ldr	b1, [x0]
	ldr	h2, [x1]
	stp	q1, q2, [x3]
	ret

/* void fpm_ldp_s(uint64_t addr, uint64_t fill, uint64_t out[4])
 * ldp s2, s3, [addr]; out = V2 low/high, V3 low/high. */
	.globl	fpm_ldp_s
fpm_ldp_s:
	dup	v2.2d, x1
	dup	v3.2d, x1
	ldp	s2, s3, [x0]
	stp	q2, q3, [x2]
	ret

/* void fpm_str_s(uint64_t addr, uint32_t val): S4 = val; str s4, [addr]. */
	.globl	fpm_str_s
fpm_str_s:
	fmov	s4, w1
	str	s4, [x0]
	ret

/* void fpm_str_h(uint64_t addr, uint32_t val): H5 = val[15:0]; str h5, [addr]. */
	.globl	fpm_str_h
fpm_str_h:
	fmov	s5, w1
	str	h5, [x0]
	ret

/* void fpm_stp_s(uint64_t addr, uint32_t a, uint32_t b): stp s6, s7, [addr]. */
	.globl	fpm_stp_s
fpm_stp_s:
	fmov	s6, w1
	fmov	s7, w2
	stp	s6, s7, [x0]
	ret
