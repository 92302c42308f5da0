/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/esr.h
 * @brief Exception syndrome (ESR_ELx) decoding.
 */
#ifndef ARMVIRT_ESR_H
#define ARMVIRT_ESR_H

#include <armvirt/bits.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ESR_ELx top-level fields (Arm ARM D23.2 "ESR_EL2"). */
#define AV_ESR_ISS2 AV_GENMASK(55, 32) /**< ISS2 (FEAT_LS64, FEAT_THE, GCS ...) */
#define AV_ESR_EC   AV_GENMASK(31, 26) /**< exception class */
#define AV_ESR_IL   AV_GENMASK(25, 25) /**< instruction length: 1 = 32-bit */
#define AV_ESR_ISS  AV_GENMASK(24, 0)  /**< instruction-specific syndrome */

/** Exception classes (ESR_ELx.EC). Values not listed are unallocated. */
enum av_esr_ec {
	AV_ESR_EC_UNKNOWN = 0x00,     /**< unknown reason */
	AV_ESR_EC_WFX = 0x01,         /**< trapped WFI/WFE/WFIT/WFET */
	AV_ESR_EC_CP15_32 = 0x03,     /**< AArch32 MCR/MRC, coproc 0b1111 */
	AV_ESR_EC_CP15_64 = 0x04,     /**< AArch32 MCRR/MRRC, coproc 0b1111 */
	AV_ESR_EC_CP14_MR = 0x05,     /**< AArch32 MCR/MRC, coproc 0b1110 */
	AV_ESR_EC_CP14_LS = 0x06,     /**< AArch32 LDC/STC, coproc 0b1110 */
	AV_ESR_EC_FP_ASIMD = 0x07,    /**< SVE/SIMD/FP access trapped (CPACR/CPTR) */
	AV_ESR_EC_CP10_ID = 0x08,     /**< AArch32 VMRS of an ID register (HCR_EL2.TID0) */
	AV_ESR_EC_PAC = 0x09,         /**< pointer-authentication instruction trapped */
	AV_ESR_EC_LS64 = 0x0A,        /**< LD64B/ST64B family trapped (FEAT_LS64) */
	AV_ESR_EC_CP14_64 = 0x0C,     /**< AArch32 MRRC/MCRR, coproc 0b1110 */
	AV_ESR_EC_BTI = 0x0D,         /**< branch target exception */
	AV_ESR_EC_ILL = 0x0E,         /**< illegal execution state */
	AV_ESR_EC_SVC32 = 0x11,       /**< AArch32 SVC */
	AV_ESR_EC_HVC32 = 0x12,       /**< AArch32 HVC */
	AV_ESR_EC_SMC32 = 0x13,       /**< AArch32 SMC */
	AV_ESR_EC_SVC64 = 0x15,       /**< AArch64 SVC */
	AV_ESR_EC_HVC64 = 0x16,       /**< AArch64 HVC */
	AV_ESR_EC_SMC64 = 0x17,       /**< AArch64 SMC */
	AV_ESR_EC_SYS64 = 0x18,       /**< AArch64 MSR/MRS/system instruction */
	AV_ESR_EC_SVE = 0x19,         /**< SVE access trapped */
	AV_ESR_EC_ERET = 0x1A,        /**< ERET/ERETAA/ERETAB trapped */
	AV_ESR_EC_TSTART = 0x1B,      /**< TSTART (FEAT_TME) */
	AV_ESR_EC_FPAC = 0x1C,        /**< pointer-authentication failure */
	AV_ESR_EC_SME = 0x1D,         /**< SME access trapped */
	AV_ESR_EC_GPC = 0x1E,         /**< granule protection check (FEAT_RME) */
	AV_ESR_EC_IMP_DEF = 0x1F,     /**< implementation defined, to EL3 */
	AV_ESR_EC_IABT_LOW = 0x20,    /**< instruction abort from a lower EL */
	AV_ESR_EC_IABT_CUR = 0x21,    /**< instruction abort, same EL */
	AV_ESR_EC_PC_ALIGN = 0x22,    /**< PC alignment fault */
	AV_ESR_EC_DABT_LOW = 0x24,    /**< data abort from a lower EL */
	AV_ESR_EC_DABT_CUR = 0x25,    /**< data abort, same EL */
	AV_ESR_EC_SP_ALIGN = 0x26,    /**< SP alignment fault */
	AV_ESR_EC_MOPS = 0x27,        /**< memory copy/set instruction (FEAT_MOPS) */
	AV_ESR_EC_FP_EXC32 = 0x28,    /**< trapped AArch32 FP exception */
	AV_ESR_EC_FP_EXC64 = 0x2C,    /**< trapped AArch64 FP exception */
	AV_ESR_EC_GCS = 0x2D,         /**< guarded control stack (FEAT_GCS) */
	AV_ESR_EC_SERROR = 0x2F,      /**< SError interrupt */
	AV_ESR_EC_BREAKPT_LOW = 0x30, /**< breakpoint from a lower EL */
	AV_ESR_EC_BREAKPT_CUR = 0x31, /**< breakpoint, same EL */
	AV_ESR_EC_SOFTSTP_LOW = 0x32, /**< software step from a lower EL */
	AV_ESR_EC_SOFTSTP_CUR = 0x33, /**< software step, same EL */
	AV_ESR_EC_WATCHPT_LOW = 0x34, /**< watchpoint from a lower EL */
	AV_ESR_EC_WATCHPT_CUR = 0x35, /**< watchpoint, same EL */
	AV_ESR_EC_BKPT32 = 0x38,      /**< AArch32 BKPT */
	AV_ESR_EC_VECTOR32 = 0x3A,    /**< AArch32 vector catch */
	AV_ESR_EC_BRK64 = 0x3C,       /**< AArch64 BRK */
	AV_ESR_EC_PROFILING = 0x3D,   /**< profiling exception (FEAT_EBEP) */
	AV_ESR_EC_MAX = 0x3F,
};

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_ESR_H */
