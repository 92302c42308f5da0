/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/esr.h
 * @brief Exception syndrome (ESR_ELx) decoding, encoding, names and log lines.
 *
 * av_esr_decode() turns a 64-bit syndrome into a tagged `struct av_esr`: the top-level
 * fields (EC, IL, ISS, ISS2), a kind tag saying which member of the union is valid, and
 * that member with one named field per ISS/ISS2 field of the exception class (Arm ARM,
 * "ESR_EL2, Exception Syndrome Register (EL2)"). Every 64-bit value decodes; exception
 * classes the architecture leaves unallocated decode as AV_ESR_KIND_UNKNOWN with the
 * raw EC kept for logging.
 *
 * av_esr_encode() is the inverse: it rebuilds the syndrome from the named fields, so a
 * caller can build the ESR of an exception it injects. Fault status codes are classified
 * by av_esr_fsc_class() and av_esr_fsc_level(), which list every code explicitly
 * (including the FEAT_LPA2 level -1 and FEAT_D128 level -2 codes).
 *
 * Every function here is pure: no global state, no allocation, safe from any context.
 *
 * Field masks are relative to the value they are taken from: `AV_ESR_*` ISS field masks
 * apply to the ISS (which is bits [24:0] of the syndrome, so also to the syndrome itself),
 * `AV_ESR_ISS2_*` masks apply to the ISS2 value (syndrome bits [55:32] shifted down).
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
/** Bits of ESR_ELx the architecture defines (bits [63:56] are RES0). */
#define AV_ESR_DEFINED (AV_ESR_ISS2 | AV_ESR_EC | AV_ESR_IL | AV_ESR_ISS)

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
	AV_ESR_EC_SYS128 = 0x14,      /**< MSRR/MRRS/SYSP trapped (FEAT_SYSREG128/SYSINSTR128) */
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

/*
 * ISS field masks, one line per field, grouped by ISS encoding. The names follow the
 * Arm ARM field names.
 */

/* Shared by AArch32 traps: condition code valid and condition. */
#define AV_ESR_CV   AV_GENMASK(24, 24) /**< condition code valid (AArch32 traps) */
#define AV_ESR_COND AV_GENMASK(23, 20) /**< condition code of the trapped instruction */

/* EC 0x01: WF* instruction. */
#define AV_ESR_WFX_RN AV_GENMASK(9, 5) /**< register of WFET/WFIT (valid when RV) */
#define AV_ESR_WFX_RV AV_GENMASK(2, 2) /**< RN is valid */
#define AV_ESR_WFX_TI AV_GENMASK(1, 0) /**< trapped instruction, enum av_esr_wfx_ti */

/* EC 0x03, 0x05, 0x08: MCR/MRC (and VMRS). */
#define AV_ESR_MCR_OPC2 AV_GENMASK(19, 17) /**< Opc2 */
#define AV_ESR_MCR_OPC1 AV_GENMASK(16, 14) /**< Opc1 */
#define AV_ESR_MCR_CRN  AV_GENMASK(13, 10) /**< CRn (VMRS: the reg field) */
#define AV_ESR_MCR_RT   AV_GENMASK(9, 5)   /**< Rt, AArch64 view */
#define AV_ESR_MCR_CRM  AV_GENMASK(4, 1)   /**< CRm */
#define AV_ESR_MCR_DIR  AV_GENMASK(0, 0)   /**< direction: 1 = read (MRC/VMRS) */

/* EC 0x04, 0x0C: MCRR/MRRC. */
#define AV_ESR_MCRR_OPC1 AV_GENMASK(19, 16) /**< Opc1 */
#define AV_ESR_MCRR_RT2  AV_GENMASK(14, 10) /**< Rt2, AArch64 view */
#define AV_ESR_MCRR_RT   AV_GENMASK(9, 5)   /**< Rt, AArch64 view */
#define AV_ESR_MCRR_CRM  AV_GENMASK(4, 1)   /**< CRm */
#define AV_ESR_MCRR_DIR  AV_GENMASK(0, 0)   /**< direction: 1 = read (MRRC) */

/* EC 0x06: LDC/STC. */
#define AV_ESR_LDC_IMM8   AV_GENMASK(19, 12) /**< imm8 */
#define AV_ESR_LDC_RN     AV_GENMASK(9, 5)   /**< Rn (immediate forms) */
#define AV_ESR_LDC_OFFSET AV_GENMASK(4, 4)   /**< 1 = offset added, 0 = subtracted */
#define AV_ESR_LDC_AM     AV_GENMASK(3, 1)   /**< addressing mode */
#define AV_ESR_LDC_DIR    AV_GENMASK(0, 0)   /**< direction: 1 = read (LDC) */

/* EC 0x0A: LD64B/ST64B* trapped. */
#define AV_ESR_LS64_TYPE AV_GENMASK(24, 0) /**< enum av_esr_ls64_type */

/* EC 0x0D: branch target exception. */
#define AV_ESR_BTI_BTYPE AV_GENMASK(1, 0) /**< PSTATE.BTYPE that caused the exception */

/* EC 0x11, 0x12, 0x15, 0x16, 0x17: SVC/HVC (and SMC64). */
#define AV_ESR_IMM16 AV_GENMASK(15, 0) /**< imm16 of the instruction */

/* EC 0x13: AArch32 SMC. */
#define AV_ESR_SMC32_CCKNOWNPASS AV_GENMASK(19, 19) /**< 1 = known to pass its condition */

/* EC 0x18: MSR/MRS/system instruction; EC 0x14 shares it except Rt. */
#define AV_ESR_SYS_OP0    AV_GENMASK(21, 20) /**< Op0 */
#define AV_ESR_SYS_OP2    AV_GENMASK(19, 17) /**< Op2 */
#define AV_ESR_SYS_OP1    AV_GENMASK(16, 14) /**< Op1 */
#define AV_ESR_SYS_CRN    AV_GENMASK(13, 10) /**< CRn */
#define AV_ESR_SYS_RT     AV_GENMASK(9, 5)   /**< Rt */
#define AV_ESR_SYS_CRM    AV_GENMASK(4, 1)   /**< CRm */
#define AV_ESR_SYS_DIR    AV_GENMASK(0, 0)   /**< direction: 1 = read (MRS) */
#define AV_ESR_SYS128_RT  AV_GENMASK(9, 6)   /**< EC 0x14: Rt<4:1> of the register pair */

/* EC 0x1A: ERET trapped. */
#define AV_ESR_ERET_ERET  AV_GENMASK(1, 1) /**< 1 = ERETAA/ERETAB, 0 = ERET */
#define AV_ESR_ERET_ERETA AV_GENMASK(0, 0) /**< 1 = B key (ERETAB), 0 = A key */

/* EC 0x1B: TSTART. */
#define AV_ESR_TSTART_RD AV_GENMASK(9, 5) /**< Rd */

/* EC 0x1C: FPAC. */
#define AV_ESR_FPAC_DNI AV_GENMASK(1, 1) /**< 1 = data key, 0 = instruction key */
#define AV_ESR_FPAC_BNA AV_GENMASK(0, 0) /**< 1 = B key, 0 = A key */

/* EC 0x1D: SME. */
#define AV_ESR_SME_SMTC AV_GENMASK(2, 0) /**< SME trap code, enum av_esr_smtc */

/* EC 0x1E: granule protection check. */
#define AV_ESR_GPC_S2PTW AV_GENMASK(21, 21) /**< on a stage 2 table walk */
#define AV_ESR_GPC_IND   AV_GENMASK(20, 20) /**< 1 = instruction access, 0 = data */
#define AV_ESR_GPC_GPCSC AV_GENMASK(19, 14) /**< granule protection check status code */
#define AV_ESR_GPC_VNCR  AV_GENMASK(13, 13) /**< from use of VNCR_EL2 by EL1 */
#define AV_ESR_GPC_CM    AV_GENMASK(8, 8)   /**< cache maintenance */
#define AV_ESR_GPC_S1PTW AV_GENMASK(7, 7)   /**< on a stage 1 table walk */
#define AV_ESR_GPC_WNR   AV_GENMASK(6, 6)   /**< write not read */
#define AV_ESR_GPC_XFSC  AV_GENMASK(5, 0)   /**< fault status code */

/* EC 0x20, 0x21: instruction abort. */
#define AV_ESR_IABT_SET   AV_GENMASK(12, 11) /**< synchronous error type */
#define AV_ESR_IABT_FNV   AV_GENMASK(10, 10) /**< FAR not valid */
#define AV_ESR_IABT_EA    AV_GENMASK(9, 9)   /**< external abort type */
#define AV_ESR_IABT_S1PTW AV_GENMASK(7, 7)   /**< stage 2 fault on a stage 1 table walk */
#define AV_ESR_IABT_IFSC  AV_GENMASK(5, 0)   /**< instruction fault status code */
#define AV_ESR_ISS2_IABT_ASSUREDONLY AV_GENMASK(7, 7) /**< due to AssuredOnly (FEAT_THE) */
#define AV_ESR_ISS2_IABT_OVERLAY     AV_GENMASK(6, 6) /**< due to overlay permissions */

/* EC 0x24, 0x25: data abort. */
#define AV_ESR_DABT_ISV   AV_GENMASK(24, 24) /**< ISS[23:14] hold a valid syndrome */
#define AV_ESR_DABT_SAS   AV_GENMASK(23, 22) /**< access size: 0 byte .. 3 doubleword */
#define AV_ESR_DABT_SSE   AV_GENMASK(21, 21) /**< sign-extend the loaded item */
#define AV_ESR_DABT_SRT   AV_GENMASK(20, 16) /**< transfer register */
#define AV_ESR_DABT_SF    AV_GENMASK(15, 15) /**< 64-bit register transfer */
#define AV_ESR_DABT_AR    AV_GENMASK(14, 14) /**< acquire/release semantics */
#define AV_ESR_DABT_VNCR  AV_GENMASK(13, 13) /**< from use of VNCR_EL2 by EL1 */
#define AV_ESR_DABT_SET   AV_GENMASK(12, 11) /**< SET (external abort) or LST (LS64) */
#define AV_ESR_DABT_FNV   AV_GENMASK(10, 10) /**< FAR not valid */
#define AV_ESR_DABT_EA    AV_GENMASK(9, 9)   /**< external abort type */
#define AV_ESR_DABT_CM    AV_GENMASK(8, 8)   /**< cache maintenance / AT instruction */
#define AV_ESR_DABT_S1PTW AV_GENMASK(7, 7)   /**< stage 2 fault on a stage 1 table walk */
#define AV_ESR_DABT_WNR   AV_GENMASK(6, 6)   /**< write not read */
#define AV_ESR_DABT_DFSC  AV_GENMASK(5, 0)   /**< data fault status code */
#define AV_ESR_ISS2_DABT_HDBSSF      AV_GENMASK(11, 11) /**< caused by the HDBSS */
#define AV_ESR_ISS2_DABT_TND         AV_GENMASK(10, 10) /**< tag not data */
#define AV_ESR_ISS2_DABT_TAGACCESS   AV_GENMASK(9, 9)   /**< NoTagAccess fault */
#define AV_ESR_ISS2_DABT_GCS         AV_GENMASK(8, 8)   /**< GCS data access */
#define AV_ESR_ISS2_DABT_ASSUREDONLY AV_GENMASK(7, 7)   /**< due to AssuredOnly */
#define AV_ESR_ISS2_DABT_OVERLAY     AV_GENMASK(6, 6)   /**< due to overlay permissions */
#define AV_ESR_ISS2_DABT_DIRTYBIT    AV_GENMASK(5, 5)   /**< due to dirty state */
#define AV_ESR_ISS2_DABT_XS          AV_GENMASK(4, 0)   /**< Xs of ST64BV/ST64BV0 */

/* EC 0x27: memory copy and set. */
#define AV_ESR_MOPS_MEMINST      AV_GENMASK(24, 24) /**< 1 = CPY*, 0 = SET* */
#define AV_ESR_MOPS_ISSETG       AV_GENMASK(23, 23) /**< SETG* instruction */
#define AV_ESR_MOPS_OPTIONS      AV_GENMASK(22, 19) /**< options field of the instruction */
#define AV_ESR_MOPS_FROMEPILOGUE AV_GENMASK(18, 18) /**< epilogue instruction */
#define AV_ESR_MOPS_WRONGOPTION  AV_GENMASK(17, 17) /**< algorithm option mismatch */
#define AV_ESR_MOPS_OPTIONA      AV_GENMASK(16, 16) /**< algorithm from PSTATE.C */
#define AV_ESR_MOPS_DESTREG      AV_GENMASK(14, 10) /**< destination address register */
#define AV_ESR_MOPS_SRCREG       AV_GENMASK(9, 5)   /**< source address/data register */
#define AV_ESR_MOPS_SIZEREG      AV_GENMASK(4, 0)   /**< size register */

/* EC 0x28, 0x2C: trapped floating-point exception. */
#define AV_ESR_FP_TFV    AV_GENMASK(23, 23) /**< IDF..IOF are valid */
#define AV_ESR_FP_VECITR AV_GENMASK(10, 8)  /**< AArch32 vector iteration (RES1) */
#define AV_ESR_FP_IDF    AV_GENMASK(7, 7)   /**< input denormal */
#define AV_ESR_FP_IXF    AV_GENMASK(4, 4)   /**< inexact */
#define AV_ESR_FP_UFF    AV_GENMASK(3, 3)   /**< underflow */
#define AV_ESR_FP_OFF    AV_GENMASK(2, 2)   /**< overflow */
#define AV_ESR_FP_DZF    AV_GENMASK(1, 1)   /**< divide by zero */
#define AV_ESR_FP_IOF    AV_GENMASK(0, 0)   /**< invalid operation */

/* EC 0x2D: guarded control stack. */
#define AV_ESR_GCS_EXTYPE AV_GENMASK(23, 20) /**< exception type */
#define AV_ESR_GCS_RADDR  AV_GENMASK(14, 10) /**< address register (trapped GCSSTR) */
#define AV_ESR_GCS_RN     AV_GENMASK(9, 5)   /**< Rn, or Rvalue of a trapped GCSSTR */
#define AV_ESR_GCS_IT     AV_GENMASK(4, 0)   /**< instruction type */

/* EC 0x2F: SError. */
#define AV_ESR_SERROR_IDS  AV_GENMASK(24, 24) /**< ISS[23:0] are IMPLEMENTATION DEFINED */
#define AV_ESR_SERROR_IESB AV_GENMASK(13, 13) /**< synchronized by an implicit ESB */
#define AV_ESR_SERROR_AET  AV_GENMASK(12, 10) /**< asynchronous error type */
#define AV_ESR_SERROR_EA   AV_GENMASK(9, 9)   /**< external abort type */
#define AV_ESR_SERROR_DFSC AV_GENMASK(5, 0)   /**< 0x00 uncategorized, 0x11 async SError */

/* EC 0x30, 0x31, 0x3A: breakpoint and vector catch. */
#define AV_ESR_BRKPT_IFSC AV_GENMASK(5, 0) /**< 0x22: debug exception */

/* EC 0x32, 0x33: software step. */
#define AV_ESR_SSTEP_ISV  AV_GENMASK(24, 24) /**< EX is valid */
#define AV_ESR_SSTEP_EX   AV_GENMASK(6, 6)   /**< a load-exclusive was stepped */
#define AV_ESR_SSTEP_IFSC AV_GENMASK(5, 0)   /**< 0x22: debug exception */

/* EC 0x34, 0x35: watchpoint. */
#define AV_ESR_WATCH_WPT  AV_GENMASK(23, 18) /**< watchpoint number (valid when WPTV) */
#define AV_ESR_WATCH_WPTV AV_GENMASK(17, 17) /**< WPT is valid */
#define AV_ESR_WATCH_WPF  AV_GENMASK(16, 16) /**< might be a false positive */
#define AV_ESR_WATCH_FNP  AV_GENMASK(15, 15) /**< FAR not precise */
#define AV_ESR_WATCH_VNCR AV_GENMASK(13, 13) /**< from use of VNCR_EL2 by EL1 */
#define AV_ESR_WATCH_CM   AV_GENMASK(8, 8)   /**< cache maintenance */
#define AV_ESR_WATCH_WNRV AV_GENMASK(7, 7)   /**< WnR is valid */
#define AV_ESR_WATCH_WNR  AV_GENMASK(6, 6)   /**< write not read */
#define AV_ESR_WATCH_DFSC AV_GENMASK(5, 0)   /**< 0x22: debug exception */
#define AV_ESR_ISS2_WATCH_GCS AV_GENMASK(8, 8) /**< GCS data access */

/* EC 0x38, 0x3C: BKPT/BRK. */
#define AV_ESR_BRK_COMMENT AV_GENMASK(15, 0) /**< the instruction's immediate */

/* HPFAR_EL2 and the faulting IPA. */
#define AV_HPFAR_NS   AV_GENMASK(63, 63) /**< IPA is in the Non-secure space (Secure EL2) */
#define AV_HPFAR_FIPA AV_GENMASK(47, 4)  /**< IPA[55:12] (narrower PAs: upper bits RES0) */
#define AV_IPA_PAGE   AV_GENMASK(55, 12) /**< the IPA bits HPFAR_EL2.FIPA holds */
#define AV_IPA_OFFSET AV_GENMASK(11, 0)  /**< the IPA bits taken from FAR_ELx */

/** Which member of `struct av_esr`'s union is valid. */
enum av_esr_kind {
	AV_ESR_KIND_UNKNOWN = 0, /**< EC 0x00 or unallocated EC; no ISS fields */
	AV_ESR_KIND_PLAIN,       /**< allocated EC with no named ISS fields (see `iss`) */
	AV_ESR_KIND_WFX,         /**< `u.wfx` */
	AV_ESR_KIND_MCR,         /**< `u.mcr`: MCR/MRC/VMRS */
	AV_ESR_KIND_MCRR,        /**< `u.mcrr`: MCRR/MRRC */
	AV_ESR_KIND_LDC,         /**< `u.ldc`: LDC/STC */
	AV_ESR_KIND_FP_ACCESS,   /**< `u.fp_access`: CV/COND only */
	AV_ESR_KIND_LS64,        /**< `u.ls64` */
	AV_ESR_KIND_BTI,         /**< `u.bti` */
	AV_ESR_KIND_CALL,        /**< `u.call`: SVC/HVC (both states), SMC64 */
	AV_ESR_KIND_SMC32,       /**< `u.smc32` */
	AV_ESR_KIND_SYS,         /**< `u.sys`: MSR/MRS/system instruction */
	AV_ESR_KIND_SYS128,      /**< `u.sys`: MSRR/MRRS/SYSP (rt is the even register) */
	AV_ESR_KIND_ERET,        /**< `u.eret` */
	AV_ESR_KIND_TSTART,      /**< `u.tstart` */
	AV_ESR_KIND_FPAC,        /**< `u.fpac` */
	AV_ESR_KIND_SME,         /**< `u.sme` */
	AV_ESR_KIND_GPC,         /**< `u.gpc` */
	AV_ESR_KIND_IABT,        /**< `u.iabt` */
	AV_ESR_KIND_DABT,        /**< `u.dabt` */
	AV_ESR_KIND_MOPS,        /**< `u.mops` */
	AV_ESR_KIND_FP_EXC,      /**< `u.fp_exc` */
	AV_ESR_KIND_GCS,         /**< `u.gcs` */
	AV_ESR_KIND_SERROR,      /**< `u.serror` */
	AV_ESR_KIND_BREAKPOINT,  /**< `u.breakpoint`: hardware breakpoint, vector catch */
	AV_ESR_KIND_SOFTSTEP,    /**< `u.softstep` */
	AV_ESR_KIND_WATCHPOINT,  /**< `u.watchpoint` */
	AV_ESR_KIND_BRK,         /**< `u.brk`: BRK/BKPT */
	AV_ESR_KIND_COUNT
};

/** WFx TI values. */
enum av_esr_wfx_ti {
	AV_ESR_WFX_WFI = 0,  /**< WFI */
	AV_ESR_WFX_WFE = 1,  /**< WFE */
	AV_ESR_WFX_WFIT = 2, /**< WFIT (FEAT_WFxT) */
	AV_ESR_WFX_WFET = 3, /**< WFET (FEAT_WFxT) */
};

/** EC 0x0A ISS values. */
enum av_esr_ls64_type {
	AV_ESR_LS64_ST64BV = 0,  /**< ST64BV */
	AV_ESR_LS64_ST64BV0 = 1, /**< ST64BV0 */
	AV_ESR_LS64_LD_ST = 2,   /**< LD64B or ST64B */
};

/** SME trap codes (SMTC). */
enum av_esr_smtc {
	AV_ESR_SMTC_ACCESS = 0,  /**< trapped by CPACR/CPTR SME controls */
	AV_ESR_SMTC_SM_ON = 1,   /**< SIMD/SVE instruction illegal with PSTATE.SM == 1 */
	AV_ESR_SMTC_SM_OFF = 2,  /**< SME instruction illegal with PSTATE.SM == 0 */
	AV_ESR_SMTC_ZA_OFF = 3,  /**< SME instruction illegal with PSTATE.ZA == 0 */
	AV_ESR_SMTC_ZT0 = 4,     /**< ZT0 access trapped by SMCR_ELx.EZT0 */
};

/** WFx: EC 0x01. */
struct av_esr_wfx {
	bool cv;      /**< COND is valid (AArch32) */
	uint8_t cond; /**< condition code */
	uint8_t rn;   /**< register of WFET/WFIT, valid when @ref rv */
	bool rv;      /**< @ref rn is valid */
	uint8_t ti;   /**< enum av_esr_wfx_ti */
};

/** MCR/MRC/VMRS: EC 0x03, 0x05, 0x08. */
struct av_esr_mcr {
	bool cv;      /**< COND is valid */
	uint8_t cond; /**< condition code */
	uint8_t opc2; /**< Opc2 */
	uint8_t opc1; /**< Opc1 */
	uint8_t crn;  /**< CRn */
	uint8_t rt;   /**< Rt (AArch64 view) */
	uint8_t crm;  /**< CRm */
	bool is_write; /**< MCR (true) or MRC/VMRS (false) */
};

/** MCRR/MRRC: EC 0x04, 0x0C. */
struct av_esr_mcrr {
	bool cv;      /**< COND is valid */
	uint8_t cond; /**< condition code */
	uint8_t opc1; /**< Opc1 */
	uint8_t rt2;  /**< Rt2 (AArch64 view) */
	uint8_t rt;   /**< Rt (AArch64 view) */
	uint8_t crm;  /**< CRm */
	bool is_write; /**< MCRR (true) or MRRC (false) */
};

/** LDC/STC: EC 0x06. */
struct av_esr_ldc {
	bool cv;      /**< COND is valid */
	uint8_t cond; /**< condition code */
	uint8_t imm8; /**< imm8 */
	uint8_t rn;   /**< Rn (immediate forms) */
	bool offset;  /**< offset added (true) or subtracted (false) */
	uint8_t am;   /**< addressing mode */
	bool is_write; /**< STC (true) or LDC (false) */
};

/** Condition only: EC 0x07. */
struct av_esr_cond {
	bool cv;      /**< COND is valid */
	uint8_t cond; /**< condition code */
};

/** LD64B/ST64B*: EC 0x0A. */
struct av_esr_ls64 {
	uint32_t type; /**< enum av_esr_ls64_type (whole ISS) */
};

/** Branch target exception: EC 0x0D. */
struct av_esr_bti {
	uint8_t btype; /**< PSTATE.BTYPE */
};

/** SVC/HVC/SMC64: EC 0x11, 0x12, 0x15, 0x16, 0x17. */
struct av_esr_call {
	uint16_t imm16; /**< immediate of the instruction */
};

/** AArch32 SMC: EC 0x13. */
struct av_esr_smc32 {
	bool cv;          /**< COND is valid */
	uint8_t cond;     /**< condition code */
	bool ccknownpass; /**< known to have passed its condition check */
};

/** MSR/MRS/system instruction: EC 0x18 (and 0x14). */
struct av_esr_sys {
	uint8_t op0; /**< Op0 */
	uint8_t op1; /**< Op1 */
	uint8_t crn; /**< CRn */
	uint8_t crm; /**< CRm */
	uint8_t op2; /**< Op2 */
	uint8_t rt;  /**< Rt; for EC 0x14 the first (even) register of the pair */
	/** MSR/MSRR/SYS (true) or MRS/MRRS/SYSL (false): the polarity of
	 *  av_sysreg_access::is_write (armvirt/sysreg.h, the decoder trap handlers use) and of
	 *  a data abort's `wnr`. */
	bool is_write;
};

/** ERET trapped: EC 0x1A. */
struct av_esr_eret {
	bool auth;  /**< ERETAA/ERETAB (true) or ERET (false) */
	bool key_b; /**< ERETAB (true) or ERETAA (false), when @ref auth */
};

/** TSTART: EC 0x1B. */
struct av_esr_tstart {
	uint8_t rd; /**< Rd */
};

/** Pointer authentication failure: EC 0x1C. */
struct av_esr_fpac {
	bool data_key; /**< data key (true) or instruction key (false) */
	bool key_b;    /**< B key (true) or A key (false) */
};

/** SME access: EC 0x1D. */
struct av_esr_sme {
	uint8_t smtc; /**< enum av_esr_smtc */
};

/** Granule protection check: EC 0x1E. */
struct av_esr_gpc {
	bool s2ptw;    /**< on a stage 2 table walk */
	bool ind;      /**< instruction (true) or data (false) access */
	uint8_t gpcsc; /**< granule protection check status code */
	bool vncr;     /**< from use of VNCR_EL2 */
	bool cm;       /**< cache maintenance */
	bool s1ptw;    /**< on a stage 1 table walk */
	bool wnr;      /**< write not read */
	uint8_t xfsc;  /**< fault status code */
};

/** Instruction abort: EC 0x20, 0x21. */
struct av_esr_iabt {
	uint8_t set;       /**< synchronous error type */
	bool fnv;          /**< FAR not valid */
	bool ea;           /**< external abort type */
	bool s1ptw;        /**< stage 2 fault on a stage 1 table walk */
	uint8_t fsc;       /**< IFSC, see av_esr_fsc_class() */
	bool assured_only; /**< ISS2: due to AssuredOnly */
	bool overlay;      /**< ISS2: due to overlay permissions */
};

/** Data abort: EC 0x24, 0x25. */
struct av_esr_dabt {
	bool isv;          /**< size, sse, srt, sf and ar are valid */
	uint8_t size;      /**< SAS as bytes: 1, 2, 4 or 8 */
	bool sse;          /**< sign-extend */
	uint8_t srt;       /**< transfer register (31 = XZR) */
	bool sf;           /**< 64-bit register */
	bool ar;           /**< acquire/release */
	bool vncr;         /**< from use of VNCR_EL2 */
	uint8_t set;       /**< SET (external aborts) or LST (LS64 faults), ISS[12:11] */
	bool fnv;          /**< FAR not valid */
	bool ea;           /**< external abort type */
	bool cm;           /**< cache maintenance or AT instruction */
	bool s1ptw;        /**< stage 2 fault on a stage 1 table walk */
	bool wnr;          /**< write not read */
	uint8_t fsc;       /**< DFSC, see av_esr_fsc_class() */
	bool hdbssf;       /**< ISS2: caused by the HDBSS */
	bool tnd;          /**< ISS2: tag not data */
	bool tag_access;   /**< ISS2: NoTagAccess fault */
	bool gcs;          /**< ISS2: GCS data access */
	bool assured_only; /**< ISS2: due to AssuredOnly */
	bool overlay;      /**< ISS2: due to overlay permissions */
	bool dirty_bit;    /**< ISS2: due to dirty state */
	uint8_t xs;        /**< ISS2: Xs of ST64BV/ST64BV0 */
};

/** Memory copy/set: EC 0x27. */
struct av_esr_mops {
	bool mem_inst;      /**< CPY* (true) or SET* (false) */
	bool is_setg;       /**< SETG* */
	uint8_t options;    /**< options */
	bool from_epilogue; /**< epilogue instruction */
	bool wrong_option;  /**< algorithm option mismatch */
	bool option_a;      /**< algorithm given by PSTATE.C */
	uint8_t destreg;    /**< destination register */
	uint8_t srcreg;     /**< source register */
	uint8_t sizereg;    /**< size register */
};

/** Trapped floating-point exception: EC 0x28, 0x2C. */
struct av_esr_fp_exc {
	bool tfv;       /**< the flags below are valid */
	uint8_t vecitr; /**< AArch32 vector iteration */
	bool idf;       /**< input denormal */
	bool ixf;       /**< inexact */
	bool uff;       /**< underflow */
	bool off;       /**< overflow */
	bool dzf;       /**< divide by zero */
	bool iof;       /**< invalid operation */
};

/** Guarded control stack: EC 0x2D. */
struct av_esr_gcs {
	uint8_t ex_type; /**< exception type */
	uint8_t raddr;   /**< address register */
	uint8_t rn;      /**< Rn / Rvalue */
	uint8_t it;      /**< instruction type */
};

/** SError: EC 0x2F. With @ref ids set, ISS[23:0] are IMPLEMENTATION DEFINED. */
struct av_esr_serror {
	bool ids;    /**< implementation-defined syndrome */
	bool iesb;   /**< synchronized by an implicit error synchronization event */
	uint8_t aet; /**< asynchronous error type */
	bool ea;     /**< external abort type */
	uint8_t fsc; /**< DFSC */
};

/** Breakpoint and vector catch: EC 0x30, 0x31, 0x3A. */
struct av_esr_breakpoint {
	uint8_t fsc; /**< IFSC (0x22) */
};

/** Software step: EC 0x32, 0x33. */
struct av_esr_softstep {
	bool isv;    /**< @ref ex is valid */
	bool ex;     /**< a load-exclusive was stepped */
	uint8_t fsc; /**< IFSC (0x22) */
};

/** Watchpoint: EC 0x34, 0x35. */
struct av_esr_watchpoint {
	uint8_t wpt; /**< watchpoint number, valid when @ref wptv */
	bool wptv;   /**< @ref wpt is valid */
	bool wpf;    /**< might be a false positive */
	bool fnp;    /**< FAR not precise */
	bool vncr;   /**< from use of VNCR_EL2 */
	bool cm;     /**< cache maintenance */
	bool wnrv;   /**< @ref wnr is valid */
	bool wnr;    /**< write not read */
	uint8_t fsc; /**< DFSC (0x22) */
	bool gcs;    /**< ISS2: GCS data access */
};

/** BRK/BKPT: EC 0x38, 0x3C. */
struct av_esr_brk {
	uint16_t comment; /**< the immediate */
};

/**
 * A decoded syndrome.
 *
 * `raw`, `ec`, `il`, `iss` and `iss2` are always set; `kind` selects the valid member
 * of `u`. Fields that the architecture defines only in some cases (the data abort's
 * SAS/SSE/SRT/SF/AR when ISV is 0, the SError fields when IDS is 1, ...) are still
 * extracted from their bit positions, so that av_esr_encode() is an exact inverse.
 */
struct av_esr {
	uint64_t raw;          /**< the syndrome given to av_esr_decode() */
	uint8_t ec;            /**< exception class, enum av_esr_ec (or unallocated) */
	bool il;               /**< 32-bit instruction */
	enum av_esr_kind kind; /**< which member of @ref u is valid */
	uint32_t iss;          /**< ISS, bits [24:0] */
	uint32_t iss2;         /**< ISS2, bits [55:32] */
	/** The named ISS fields, one member per ISS encoding. */
	union {
		struct av_esr_wfx wfx;               /**< AV_ESR_KIND_WFX */
		struct av_esr_mcr mcr;               /**< AV_ESR_KIND_MCR */
		struct av_esr_mcrr mcrr;             /**< AV_ESR_KIND_MCRR */
		struct av_esr_ldc ldc;               /**< AV_ESR_KIND_LDC */
		struct av_esr_cond fp_access;        /**< AV_ESR_KIND_FP_ACCESS */
		struct av_esr_ls64 ls64;             /**< AV_ESR_KIND_LS64 */
		struct av_esr_bti bti;               /**< AV_ESR_KIND_BTI */
		struct av_esr_call call;             /**< AV_ESR_KIND_CALL */
		struct av_esr_smc32 smc32;           /**< AV_ESR_KIND_SMC32 */
		struct av_esr_sys sys;               /**< AV_ESR_KIND_SYS, AV_ESR_KIND_SYS128 */
		struct av_esr_eret eret;             /**< AV_ESR_KIND_ERET */
		struct av_esr_tstart tstart;         /**< AV_ESR_KIND_TSTART */
		struct av_esr_fpac fpac;             /**< AV_ESR_KIND_FPAC */
		struct av_esr_sme sme;               /**< AV_ESR_KIND_SME */
		struct av_esr_gpc gpc;               /**< AV_ESR_KIND_GPC */
		struct av_esr_iabt iabt;             /**< AV_ESR_KIND_IABT */
		struct av_esr_dabt dabt;             /**< AV_ESR_KIND_DABT */
		struct av_esr_mops mops;             /**< AV_ESR_KIND_MOPS */
		struct av_esr_fp_exc fp_exc;         /**< AV_ESR_KIND_FP_EXC */
		struct av_esr_gcs gcs;               /**< AV_ESR_KIND_GCS */
		struct av_esr_serror serror;         /**< AV_ESR_KIND_SERROR */
		struct av_esr_breakpoint breakpoint; /**< AV_ESR_KIND_BREAKPOINT */
		struct av_esr_softstep softstep;     /**< AV_ESR_KIND_SOFTSTEP */
		struct av_esr_watchpoint watchpoint; /**< AV_ESR_KIND_WATCHPOINT */
		struct av_esr_brk brk;               /**< AV_ESR_KIND_BRK */
	} u;
};

/** Fault status code classes (IFSC/DFSC of instruction and data aborts). */
enum av_esr_fsc_class {
	AV_ESR_FSC_RESERVED = 0,     /**< reserved code */
	AV_ESR_FSC_ADDR_SIZE,        /**< address size fault, levels -2..3 */
	AV_ESR_FSC_TRANSLATION,      /**< translation fault, levels -2..3 */
	AV_ESR_FSC_ACCESS_FLAG,      /**< access flag fault, levels 0..3 */
	AV_ESR_FSC_PERMISSION,       /**< permission fault, levels 0..3 */
	AV_ESR_FSC_SEA,              /**< synchronous external abort, not on a walk */
	AV_ESR_FSC_TAG_CHECK,        /**< synchronous tag check fault (SError: async) */
	AV_ESR_FSC_SEA_WALK,         /**< synchronous external abort on a walk, -2..3 */
	AV_ESR_FSC_ECC,              /**< parity/ECC error, not on a walk */
	AV_ESR_FSC_ECC_WALK,         /**< parity/ECC error on a walk, levels -1..3 */
	AV_ESR_FSC_ALIGNMENT,        /**< alignment fault */
	AV_ESR_FSC_GPF_WALK,         /**< granule protection fault on a walk, -2..3 */
	AV_ESR_FSC_GPF,              /**< granule protection fault, not on a walk */
	AV_ESR_FSC_TLB_CONFLICT,     /**< TLB conflict abort */
	AV_ESR_FSC_ATOMIC_HW_UPDATE, /**< unsupported atomic hardware update */
	AV_ESR_FSC_PLB_CONFLICT,     /**< PLB conflict abort */
	AV_ESR_FSC_IMPDEF_LOCKDOWN,  /**< IMPLEMENTATION DEFINED (lockdown) */
	AV_ESR_FSC_IMPDEF_ATOMIC,    /**< IMPLEMENTATION DEFINED (exclusive/atomic) */
	AV_ESR_FSC_CLASS_COUNT
};

/**
 * Decode a syndrome.
 *
 * @param esr  ESR_ELx as read (64 bits; bits [63:56] are kept only in `raw`)
 * @param out  the decoded syndrome; fully overwritten
 * @return 0 for every @p esr (unallocated classes decode as AV_ESR_KIND_UNKNOWN),
 *         -AV_EINVAL if @p out is NULL.
 */
int av_esr_decode(uint64_t esr, struct av_esr *out);

/**
 * Rebuild a syndrome from its named fields.
 *
 * EC and IL come from `ec` and `il`; the ISS/ISS2 layout is chosen by `ec` (`kind` is
 * ignored) and filled from the matching union member. Bits of `iss`/`iss2` that the
 * layout gives no named field are carried over unchanged, so for every x,
 * `av_esr_encode(decode(x)) == (x & AV_ESR_DEFINED)`. A caller building a syndrome
 * from scratch zeroes the struct first. A data abort `size` other than 1, 2, 4 or 8
 * encodes as SAS 0.
 *
 * @param e the syndrome's fields
 * @return the syndrome (0 if @p e is NULL).
 */
uint64_t av_esr_encode(const struct av_esr *e);

/**
 * The kind (union member) used for exception class @p ec (0..63; others: UNKNOWN).
 * @param ec exception class (0..63)
 * @return the kind, AV_ESR_KIND_UNKNOWN for unallocated classes
 */
enum av_esr_kind av_esr_ec_kind(unsigned ec);

/**
 * Short name of an exception class: "DABT_LOW", "HVC64", "SYS64", ...
 * @param ec exception class (0..63)
 * @return a static string; "unallocated" for classes the architecture does not define.
 */
const char *av_esr_ec_name(unsigned ec);

/**
 * Name of a kind ("dabt", "sys", ...); "?" when out of range.
 * @param kind the kind
 * @return the name, "?" when out of range
 */
const char *av_esr_kind_name(enum av_esr_kind kind);

/**
 * Classify an instruction/data abort fault status code. Every code 0x00..0x3F is listed
 * explicitly; unlisted and out-of-range codes are AV_ESR_FSC_RESERVED.
 * @param fsc fault status code (IFSC/DFSC, 6 bits)
 * @return the class, AV_ESR_FSC_RESERVED for unlisted codes
 */
enum av_esr_fsc_class av_esr_fsc_class(unsigned fsc);

/**
 * Name of a fault status class: "translation", "permission", ..., "reserved".
 * @param cls the fault status class
 * @return the name, a constant string
 */
const char *av_esr_fsc_class_name(enum av_esr_fsc_class cls);

/**
 * Translation level a fault status code reports.
 *
 * @param fsc    IFSC/DFSC
 * @param level  set to -2..3 on success (may be NULL)
 * @return 0, or -AV_ENOENT when the code carries no level.
 */
int av_esr_fsc_level(unsigned fsc, int *level);

/**
 * True for an instruction or data abort (EC 0x20, 0x21, 0x24, 0x25).
 * @param e the decoded syndrome
 * @return true for an instruction or data abort, else false
 */
bool av_esr_is_abort(const struct av_esr *e);

/**
 * True for an abort whose FSC is a translation fault (any level, including -1/-2).
 * @param e the decoded syndrome
 * @return true for a translation fault (levels -2..3), else false
 */
bool av_esr_is_translation_fault(const struct av_esr *e);

/**
 * True for an abort whose FSC is a permission fault (any level).
 * @param e the decoded syndrome
 * @return true for a permission fault, else false
 */
bool av_esr_is_permission_fault(const struct av_esr *e);

/**
 * True for an abort whose FSC is an access flag fault (any level).
 * @param e the decoded syndrome
 * @return true for an access flag fault, else false
 */
bool av_esr_is_access_flag_fault(const struct av_esr *e);

/**
 * Fault status code class of an abort.
 * @param e the decoded syndrome
 * @return the class, or AV_ESR_FSC_RESERVED when @p e is not an abort.
 */
enum av_esr_fsc_class av_esr_abort_class(const struct av_esr *e);

/**
 * Level of an abort's fault.
 * @param level  set to -2..3 on success (may be NULL)
 * @param e the decoded syndrome of an abort
 * @return 0, or -AV_ENOENT if @p e is not an abort or its FSC has no level.
 */
int av_esr_fault_level(const struct av_esr *e, int *level);

/**
 * The faulting IPA of a stage 2 abort: HPFAR_EL2.FIPA gives IPA[55:12] (bits above the
 * implemented PA size read as 0), FAR_EL2 gives the offset within the page.
 * HPFAR_EL2 is valid for stage 2 faults (translation, access flag, permission, address
 * size) and for faults on a stage 1 walk; the caller checks that first.
 * @param hpfar HPFAR_EL2
 * @param far FAR_EL2
 * @return the faulting IPA
 */
uint64_t av_esr_fault_ipa(uint64_t hpfar, uint64_t far);

/*
 * Field accessors on the raw syndrome, for hot paths that need a handful of fields of one
 * known class and not the whole tagged struct (av_esr_decode() fills every field of the
 * class through its field table). Each reads one field through the masks above, so it
 * agrees with av_esr_decode() by construction; test_esr.c checks them against it.
 */

/**
 * ESR_ELx.EC.
 * @param esr the syndrome (ESR_ELx)
 * @return EC, bits [31:26]
 */
static inline unsigned av_esr_get_ec(uint64_t esr)
{
	return (unsigned)AV_FIELD_GET(AV_ESR_EC, esr);
}

/**
 * ESR_ELx.IL: a 32-bit instruction (4 bytes; 0: a 16-bit T32 instruction).
 * @param esr the syndrome (ESR_ELx)
 * @return IL, bit 25
 */
static inline bool av_esr_get_il(uint64_t esr)
{
	return AV_FIELD_GET(AV_ESR_IL, esr) != 0;
}

/**
 * ESR_ELx.ISS.
 * @param esr the syndrome (ESR_ELx)
 * @return ISS, bits [24:0]
 */
static inline uint32_t av_esr_get_iss(uint64_t esr)
{
	return (uint32_t)AV_FIELD_GET(AV_ESR_ISS, esr);
}

/**
 * SVC/HVC/SMC64: the instruction's imm16.
 * @param esr the syndrome (ESR_ELx)
 * @return imm16, ISS bits [15:0]
 */
static inline uint16_t av_esr_get_imm16(uint64_t esr)
{
	return (uint16_t)AV_FIELD_GET(AV_ESR_IMM16, esr);
}

/**
 * Instruction or data abort: IFSC/DFSC (same bits [5:0] for both classes).
 * @param esr the syndrome (ESR_ELx)
 * @return IFSC/DFSC
 */
static inline unsigned av_esr_get_abort_fsc(uint64_t esr)
{
	return (unsigned)AV_FIELD_GET(AV_ESR_DABT_DFSC, esr);
}

/**
 * Instruction or data abort: S1PTW (same bit 7 for both classes).
 * @param esr the syndrome (ESR_ELx)
 * @return S1PTW
 */
static inline bool av_esr_get_abort_s1ptw(uint64_t esr)
{
	return AV_FIELD_GET(AV_ESR_DABT_S1PTW, esr) != 0;
}

/**
 * Data abort: ISV (SAS, SSE, SRT, SF and AR are valid).
 * @param esr the syndrome (ESR_ELx)
 * @return ISV
 */
static inline bool av_esr_get_dabt_isv(uint64_t esr)
{
	return AV_FIELD_GET(AV_ESR_DABT_ISV, esr) != 0;
}

/**
 * Data abort: the access size in bytes (1, 2, 4, 8) from SAS.
 * @param esr the syndrome (ESR_ELx)
 * @return the access size in bytes
 */
static inline unsigned av_esr_get_dabt_size(uint64_t esr)
{
	return 1u << AV_FIELD_GET(AV_ESR_DABT_SAS, esr);
}

/**
 * Data abort: SSE, sign-extend the loaded item.
 * @param esr the syndrome (ESR_ELx)
 * @return SSE
 */
static inline bool av_esr_get_dabt_sse(uint64_t esr)
{
	return AV_FIELD_GET(AV_ESR_DABT_SSE, esr) != 0;
}

/**
 * Data abort: SRT, the transfer register (31 = XZR).
 * @param esr the syndrome (ESR_ELx)
 * @return SRT
 */
static inline unsigned av_esr_get_dabt_srt(uint64_t esr)
{
	return (unsigned)AV_FIELD_GET(AV_ESR_DABT_SRT, esr);
}

/**
 * Data abort: SF, a 64-bit register transfer.
 * @param esr the syndrome (ESR_ELx)
 * @return SF
 */
static inline bool av_esr_get_dabt_sf(uint64_t esr)
{
	return AV_FIELD_GET(AV_ESR_DABT_SF, esr) != 0;
}

/**
 * Data abort: CM, a cache maintenance or AT instruction.
 * @param esr the syndrome (ESR_ELx)
 * @return CM
 */
static inline bool av_esr_get_dabt_cm(uint64_t esr)
{
	return AV_FIELD_GET(AV_ESR_DABT_CM, esr) != 0;
}

/**
 * Data abort: WnR, write not read.
 * @param esr the syndrome (ESR_ELx)
 * @return WnR
 */
static inline bool av_esr_get_dabt_wnr(uint64_t esr)
{
	return AV_FIELD_GET(AV_ESR_DABT_WNR, esr) != 0;
}

/**
 * WFx: TI, enum av_esr_wfx_ti.
 * @param esr the syndrome (ESR_ELx)
 * @return TI (enum av_esr_wfx_ti)
 */
static inline unsigned av_esr_get_wfx_ti(uint64_t esr)
{
	return (unsigned)AV_FIELD_GET(AV_ESR_WFX_TI, esr);
}

/**
 * Format a decoded syndrome as one line, e.g.
 * `EC=0x24 DABT_LOW IL=1 ISV=1 SAS=8 SSE=0 SRT=3 SF=1 AR=0 WnR=0 S1PTW=0 FSC=0x06 translation L2`.
 *
 * @param e the decoded syndrome
 * @param buf output buffer, always NUL-terminated when @p size > 0
 * @param size size of @p buf
 * @return the length of the full line (excluding the NUL) like snprintf; the output is
 *         truncated to @p size - 1 characters and NUL-terminated when @p size > 0.
 *         -AV_EINVAL if @p e is NULL, or @p buf is NULL with @p size > 0.
 */
int av_esr_format(const struct av_esr *e, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_ESR_H */
