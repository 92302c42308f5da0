/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/regs.h
 * @brief A vCPU's register file as the trap handlers see it.
 *
 * `x[0..30]` are the general-purpose registers; register number 31 is not stored here:
 * depending on the instruction it means the zero register (XZR/WZR) or the stack
 * pointer, and `sp` holds the stack pointer the trapped instruction used (SP_EL0 or
 * SP_EL1, as selected by PSTATE.SP at the time of the trap; the world switch picks it).
 * `v[n]` is the 128-bit SIMD&FP register Vn as two little-endian 64-bit halves
 * (`v[n][0]` bits 63:0, `v[n][1]` bits 127:64).
 */
#ifndef ARMVIRT_REGS_H
#define ARMVIRT_REGS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Guest register state visible to trap emulation. */
struct av_regs {
	uint64_t x[31];    /**< X0..X30 */
	uint64_t sp;       /**< the stack pointer the trapped instruction used */
	uint64_t pc;       /**< address of the trapped instruction (ELR_EL2) */
	uint64_t pstate;   /**< SPSR_EL2 at the trap */
	uint64_t v[32][2]; /**< V0..V31, low half first */
	uint64_t fpsr;     /**< FPSR */
	uint64_t fpcr;     /**< FPCR */
};

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_REGS_H */
