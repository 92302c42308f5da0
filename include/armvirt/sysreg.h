/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/sysreg.h
 * @brief AArch64 system registers: encodings and names, table-driven trap emulation,
 *        ID-register sanitisation.
 *
 * **Keys.** A system register is identified by a 32-bit *key* that is the register's
 * (op0, op1, CRn, CRm, op2) placed exactly where an EC 0x18 (trapped MSR/MRS) syndrome
 * carries them in ESR_ELx.ISS. The key of a trap is therefore `iss & AV_SYSREG_KEY_MASK`
 * (av_sysreg_key_from_iss()); Rt and the direction bit are not part of it.
 *
 * **Order.** The ISS packing puts op2 above op1, so the numeric order of keys is not the
 * order in which the Arm ARM lists registers. Every table in this module (the name table,
 * emulation rows) is sorted in *encoding order*: by op0, then op1, CRn, CRm, op2 — the
 * order av_sysreg_key_order() gives. In that order a register family such as
 * PMEVCNTR<n>_EL0 (CRm = 8 + n / 8, op2 = n % 8) is one contiguous range.
 *
 * **Emulation.** A table of struct av_sysreg_desc rows, sorted and checked once with
 * av_sysreg_table_check(), is indexed by av_sysreg_table_init() (a direct map keyed by the
 * encoding: two table loads per trap, av_sysreg_lookup()). Each row says what
 * the register does (RAZ/WI, a constant, read-only, UNDEF, or a handler callback); keys
 * without a row get the table's default and one log line that shows the row to add.
 *
 * **ID registers.** av_idreg_sanitise() combines the host's value of an ID register with
 * a VM's limit field by field, using each field's ordering rule from the Arm ARM (most
 * fields: lower is safer; some are signed, some must match exactly, a few are safer
 * when higher).
 *
 * Everything here is freestanding and reentrant; the only mutable state is the
 * per-table "already warned" set, updated with relaxed atomics.
 */
#ifndef ARMVIRT_SYSREG_H
#define ARMVIRT_SYSREG_H

#include <armvirt/bits.h>
#include <armvirt/log.h>
#include <armvirt/regs.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 * Keys
 */

/* The key: fields of an EC 0x18 ISS (Arm ARM D24.2.40 "ISS encoding for an exception
 * from MSR, MRS, or System instruction execution in AArch64 state"). */
#define AV_SYSREG_OP0 AV_GENMASK(21, 20) /**< key/ISS: Op0 */
#define AV_SYSREG_OP2 AV_GENMASK(19, 17) /**< key/ISS: Op2 */
#define AV_SYSREG_OP1 AV_GENMASK(16, 14) /**< key/ISS: Op1 */
#define AV_SYSREG_CRN AV_GENMASK(13, 10) /**< key/ISS: CRn */
#define AV_SYSREG_CRM AV_GENMASK(4, 1)   /**< key/ISS: CRm */

/* The two ISS fields that are not part of the key. */
#define AV_SYSREG_ISS_RT  AV_GENMASK(9, 5) /**< ISS: Rt, the transfer register */
#define AV_SYSREG_ISS_DIR AV_GENMASK(0, 0) /**< ISS: Direction, 1 = read (MRS), 0 = write */

/** All key bits of an ISS; `iss & AV_SYSREG_KEY_MASK` is a key. */
#define AV_SYSREG_KEY_MASK \
	(AV_SYSREG_OP0 | AV_SYSREG_OP2 | AV_SYSREG_OP1 | AV_SYSREG_CRN | AV_SYSREG_CRM)

/**
 * The key of system register S\<op0\>_\<op1\>_C\<crn\>_C\<crm\>_\<op2\>.
 *
 * An integer constant expression when the arguments are: usable in static initialisers
 * and `case` labels. Out-of-range arguments are truncated to the field widths.
 */
#define AV_SYSREG(op0, op1, crn, crm, op2)                                      \
	((uint32_t)(AV_FIELD_PREP(AV_SYSREG_OP0, (op0)) |                       \
		    AV_FIELD_PREP(AV_SYSREG_OP1, (op1)) |                       \
		    AV_FIELD_PREP(AV_SYSREG_CRN, (crn)) |                       \
		    AV_FIELD_PREP(AV_SYSREG_CRM, (crm)) |                       \
		    AV_FIELD_PREP(AV_SYSREG_OP2, (op2))))

/* Encoding-order packing used by av_sysreg_key_order() (op0 most significant). */
#define AV_SYSREG_ORD_OP0 AV_GENMASK(15, 14) /**< order: Op0 */
#define AV_SYSREG_ORD_OP1 AV_GENMASK(13, 11) /**< order: Op1 */
#define AV_SYSREG_ORD_CRN AV_GENMASK(10, 7)  /**< order: CRn */
#define AV_SYSREG_ORD_CRM AV_GENMASK(6, 3)   /**< order: CRm */
#define AV_SYSREG_ORD_OP2 AV_GENMASK(2, 0)   /**< order: Op2 */

/**
 * Op0 of @p key (0..3).
 * @param key the register's key
 * @return Op0
 */
static inline unsigned av_sysreg_op0(uint32_t key)
{
	return (unsigned)AV_FIELD_GET(AV_SYSREG_OP0, key);
}

/**
 * Op1 of @p key (0..7).
 * @param key the register's key
 * @return Op1
 */
static inline unsigned av_sysreg_op1(uint32_t key)
{
	return (unsigned)AV_FIELD_GET(AV_SYSREG_OP1, key);
}

/**
 * CRn of @p key (0..15).
 * @param key the register's key
 * @return CRn
 */
static inline unsigned av_sysreg_crn(uint32_t key)
{
	return (unsigned)AV_FIELD_GET(AV_SYSREG_CRN, key);
}

/**
 * CRm of @p key (0..15).
 * @param key the register's key
 * @return CRm
 */
static inline unsigned av_sysreg_crm(uint32_t key)
{
	return (unsigned)AV_FIELD_GET(AV_SYSREG_CRM, key);
}

/**
 * Op2 of @p key (0..7).
 * @param key the register's key
 * @return Op2
 */
static inline unsigned av_sysreg_op2(uint32_t key)
{
	return (unsigned)AV_FIELD_GET(AV_SYSREG_OP2, key);
}

/**
 * The key of the register an EC 0x18 syndrome's ISS names (Rt and direction dropped).
 * @param iss ISS of an EC 0x18 syndrome
 * @return the register's key
 */
static inline uint32_t av_sysreg_key_from_iss(uint32_t iss)
{
	return iss & (uint32_t)AV_SYSREG_KEY_MASK;
}

/**
 * The position of @p key in encoding order (op0, op1, CRn, CRm, op2), as a 16-bit number.
 * Tables are sorted by this value; consecutive registers of a family have consecutive
 * values when the family index runs through CRm:op2.
 * @param key the register's key
 * @return the 16-bit position
 */
static inline uint32_t av_sysreg_key_order(uint32_t key)
{
	return (uint32_t)(AV_FIELD_PREP(AV_SYSREG_ORD_OP0, av_sysreg_op0(key)) |
			  AV_FIELD_PREP(AV_SYSREG_ORD_OP1, av_sysreg_op1(key)) |
			  AV_FIELD_PREP(AV_SYSREG_ORD_CRN, av_sysreg_crn(key)) |
			  AV_FIELD_PREP(AV_SYSREG_ORD_CRM, av_sysreg_crm(key)) |
			  AV_FIELD_PREP(AV_SYSREG_ORD_OP2, av_sysreg_op2(key)));
}

/** A decoded EC 0x18 access: which register, which GPR, which direction. */
struct av_sysreg_access {
	uint32_t key;  /**< the register (AV_SYSREG key) */
	unsigned rt;   /**< transfer register number; 31 means XZR */
	bool is_write; /**< true for MSR (guest writes the register), false for MRS */
};

/**
 * Decode the ISS of an EC 0x18 syndrome into @p acc. Every ISS value decodes.
 * @param iss ISS of an EC 0x18 syndrome
 * @param acc receives the decoded access
 */
static inline void av_sysreg_decode_iss(uint32_t iss, struct av_sysreg_access *acc)
{
	acc->key = av_sysreg_key_from_iss(iss);
	acc->rt = (unsigned)AV_FIELD_GET(AV_SYSREG_ISS_RT, iss);
	acc->is_write = AV_FIELD_GET(AV_SYSREG_ISS_DIR, iss) == 0;
}

/* ---------------------------------------------------------------------------------------
 * Register constants used by the library (the name table has many more).
 */

/* Identification. */
#define AV_SYS_MIDR_EL1          AV_SYSREG(3, 0, 0, 0, 0) /**< main ID */
#define AV_SYS_MPIDR_EL1         AV_SYSREG(3, 0, 0, 0, 5) /**< multiprocessor affinity */
#define AV_SYS_REVIDR_EL1        AV_SYSREG(3, 0, 0, 0, 6) /**< revision ID */
#define AV_SYS_ID_PFR0_EL1       AV_SYSREG(3, 0, 0, 1, 0) /**< AArch32 processor features 0 */
#define AV_SYS_ID_PFR1_EL1       AV_SYSREG(3, 0, 0, 1, 1) /**< AArch32 processor features 1 */
#define AV_SYS_ID_DFR0_EL1       AV_SYSREG(3, 0, 0, 1, 2) /**< AArch32 debug features 0 */
#define AV_SYS_ID_AFR0_EL1       AV_SYSREG(3, 0, 0, 1, 3) /**< AArch32 auxiliary features 0 */
#define AV_SYS_ID_MMFR0_EL1      AV_SYSREG(3, 0, 0, 1, 4) /**< AArch32 memory model 0 */
#define AV_SYS_ID_MMFR1_EL1      AV_SYSREG(3, 0, 0, 1, 5) /**< AArch32 memory model 1 */
#define AV_SYS_ID_MMFR2_EL1      AV_SYSREG(3, 0, 0, 1, 6) /**< AArch32 memory model 2 */
#define AV_SYS_ID_MMFR3_EL1      AV_SYSREG(3, 0, 0, 1, 7) /**< AArch32 memory model 3 */
#define AV_SYS_ID_ISAR0_EL1      AV_SYSREG(3, 0, 0, 2, 0) /**< AArch32 ISA attributes 0 */
#define AV_SYS_ID_ISAR1_EL1      AV_SYSREG(3, 0, 0, 2, 1) /**< AArch32 ISA attributes 1 */
#define AV_SYS_ID_ISAR2_EL1      AV_SYSREG(3, 0, 0, 2, 2) /**< AArch32 ISA attributes 2 */
#define AV_SYS_ID_ISAR3_EL1      AV_SYSREG(3, 0, 0, 2, 3) /**< AArch32 ISA attributes 3 */
#define AV_SYS_ID_ISAR4_EL1      AV_SYSREG(3, 0, 0, 2, 4) /**< AArch32 ISA attributes 4 */
#define AV_SYS_ID_ISAR5_EL1      AV_SYSREG(3, 0, 0, 2, 5) /**< AArch32 ISA attributes 5 */
#define AV_SYS_ID_MMFR4_EL1      AV_SYSREG(3, 0, 0, 2, 6) /**< AArch32 memory model 4 */
#define AV_SYS_ID_ISAR6_EL1      AV_SYSREG(3, 0, 0, 2, 7) /**< AArch32 ISA attributes 6 */
#define AV_SYS_MVFR0_EL1         AV_SYSREG(3, 0, 0, 3, 0) /**< AArch32 media/FP features 0 */
#define AV_SYS_MVFR1_EL1         AV_SYSREG(3, 0, 0, 3, 1) /**< AArch32 media/FP features 1 */
#define AV_SYS_MVFR2_EL1         AV_SYSREG(3, 0, 0, 3, 2) /**< AArch32 media/FP features 2 */
#define AV_SYS_ID_PFR2_EL1       AV_SYSREG(3, 0, 0, 3, 4) /**< AArch32 processor features 2 */
#define AV_SYS_ID_DFR1_EL1       AV_SYSREG(3, 0, 0, 3, 5) /**< AArch32 debug features 1 */
#define AV_SYS_ID_MMFR5_EL1      AV_SYSREG(3, 0, 0, 3, 6) /**< AArch32 memory model 5 */
#define AV_SYS_ID_AA64PFR0_EL1   AV_SYSREG(3, 0, 0, 4, 0) /**< processor features 0 */
#define AV_SYS_ID_AA64PFR1_EL1   AV_SYSREG(3, 0, 0, 4, 1) /**< processor features 1 */
#define AV_SYS_ID_AA64PFR2_EL1   AV_SYSREG(3, 0, 0, 4, 2) /**< processor features 2 */
#define AV_SYS_ID_AA64ZFR0_EL1   AV_SYSREG(3, 0, 0, 4, 4) /**< SVE features 0 */
#define AV_SYS_ID_AA64SMFR0_EL1  AV_SYSREG(3, 0, 0, 4, 5) /**< SME features 0 */
#define AV_SYS_ID_AA64DFR0_EL1   AV_SYSREG(3, 0, 0, 5, 0) /**< debug features 0 */
#define AV_SYS_ID_AA64DFR1_EL1   AV_SYSREG(3, 0, 0, 5, 1) /**< debug features 1 */
#define AV_SYS_ID_AA64AFR0_EL1   AV_SYSREG(3, 0, 0, 5, 4) /**< auxiliary features 0 */
#define AV_SYS_ID_AA64AFR1_EL1   AV_SYSREG(3, 0, 0, 5, 5) /**< auxiliary features 1 */
#define AV_SYS_ID_AA64ISAR0_EL1  AV_SYSREG(3, 0, 0, 6, 0) /**< instruction set attributes 0 */
#define AV_SYS_ID_AA64ISAR1_EL1  AV_SYSREG(3, 0, 0, 6, 1) /**< instruction set attributes 1 */
#define AV_SYS_ID_AA64ISAR2_EL1  AV_SYSREG(3, 0, 0, 6, 2) /**< instruction set attributes 2 */
#define AV_SYS_ID_AA64MMFR0_EL1  AV_SYSREG(3, 0, 0, 7, 0) /**< memory model features 0 */
#define AV_SYS_ID_AA64MMFR1_EL1  AV_SYSREG(3, 0, 0, 7, 1) /**< memory model features 1 */
#define AV_SYS_ID_AA64MMFR2_EL1  AV_SYSREG(3, 0, 0, 7, 2) /**< memory model features 2 */
#define AV_SYS_ID_AA64MMFR3_EL1  AV_SYSREG(3, 0, 0, 7, 3) /**< memory model features 3 */
#define AV_SYS_CCSIDR_EL1        AV_SYSREG(3, 1, 0, 0, 0) /**< current cache size ID */
#define AV_SYS_CLIDR_EL1         AV_SYSREG(3, 1, 0, 0, 1) /**< cache level ID */
#define AV_SYS_GMID_EL1          AV_SYSREG(3, 1, 0, 0, 4) /**< MTE multiple tag transfer ID */
#define AV_SYS_AIDR_EL1          AV_SYSREG(3, 1, 0, 0, 7) /**< auxiliary ID */
#define AV_SYS_CSSELR_EL1        AV_SYSREG(3, 2, 0, 0, 0) /**< cache size selection */
#define AV_SYS_CTR_EL0           AV_SYSREG(3, 3, 0, 0, 1) /**< cache type */
#define AV_SYS_DCZID_EL0         AV_SYSREG(3, 3, 0, 0, 7) /**< DC ZVA block size */

/* EL1 and EL0 context. */
#define AV_SYS_SCTLR_EL1         AV_SYSREG(3, 0, 1, 0, 0)  /**< system control */
#define AV_SYS_ACTLR_EL1         AV_SYSREG(3, 0, 1, 0, 1)  /**< auxiliary control */
#define AV_SYS_CPACR_EL1         AV_SYSREG(3, 0, 1, 0, 2)  /**< architectural feature access */
#define AV_SYS_ZCR_EL1           AV_SYSREG(3, 0, 1, 2, 0)  /**< SVE control */
#define AV_SYS_TTBR0_EL1         AV_SYSREG(3, 0, 2, 0, 0)  /**< translation table base 0 */
#define AV_SYS_TTBR1_EL1         AV_SYSREG(3, 0, 2, 0, 1)  /**< translation table base 1 */
#define AV_SYS_TCR_EL1           AV_SYSREG(3, 0, 2, 0, 2)  /**< translation control */
#define AV_SYS_APIAKEYLO_EL1     AV_SYSREG(3, 0, 2, 1, 0)  /**< pointer auth key IA, low */
#define AV_SYS_APIAKEYHI_EL1     AV_SYSREG(3, 0, 2, 1, 1)  /**< pointer auth key IA, high */
#define AV_SYS_APIBKEYLO_EL1     AV_SYSREG(3, 0, 2, 1, 2)  /**< pointer auth key IB, low */
#define AV_SYS_APIBKEYHI_EL1     AV_SYSREG(3, 0, 2, 1, 3)  /**< pointer auth key IB, high */
#define AV_SYS_APDAKEYLO_EL1     AV_SYSREG(3, 0, 2, 2, 0)  /**< pointer auth key DA, low */
#define AV_SYS_APDAKEYHI_EL1     AV_SYSREG(3, 0, 2, 2, 1)  /**< pointer auth key DA, high */
#define AV_SYS_APDBKEYLO_EL1     AV_SYSREG(3, 0, 2, 2, 2)  /**< pointer auth key DB, low */
#define AV_SYS_APDBKEYHI_EL1     AV_SYSREG(3, 0, 2, 2, 3)  /**< pointer auth key DB, high */
#define AV_SYS_APGAKEYLO_EL1     AV_SYSREG(3, 0, 2, 3, 0)  /**< pointer auth key GA, low */
#define AV_SYS_APGAKEYHI_EL1     AV_SYSREG(3, 0, 2, 3, 1)  /**< pointer auth key GA, high */
#define AV_SYS_SPSR_EL1          AV_SYSREG(3, 0, 4, 0, 0)  /**< saved program status, EL1 */
#define AV_SYS_ELR_EL1           AV_SYSREG(3, 0, 4, 0, 1)  /**< exception link, EL1 */
#define AV_SYS_SP_EL0            AV_SYSREG(3, 0, 4, 1, 0)  /**< stack pointer, EL0 */
#define AV_SYS_ICC_PMR_EL1       AV_SYSREG(3, 0, 4, 6, 0)  /**< GIC priority mask */
#define AV_SYS_AFSR0_EL1         AV_SYSREG(3, 0, 5, 1, 0)  /**< auxiliary fault status 0 */
#define AV_SYS_AFSR1_EL1         AV_SYSREG(3, 0, 5, 1, 1)  /**< auxiliary fault status 1 */
#define AV_SYS_ESR_EL1           AV_SYSREG(3, 0, 5, 2, 0)  /**< exception syndrome, EL1 */
#define AV_SYS_FAR_EL1           AV_SYSREG(3, 0, 6, 0, 0)  /**< fault address, EL1 */
#define AV_SYS_PAR_EL1           AV_SYSREG(3, 0, 7, 4, 0)  /**< physical address (AT result) */
#define AV_SYS_PMINTENSET_EL1    AV_SYSREG(3, 0, 9, 14, 1) /**< PMU interrupt enable set */
#define AV_SYS_PMINTENCLR_EL1    AV_SYSREG(3, 0, 9, 14, 2) /**< PMU interrupt enable clear */
#define AV_SYS_MAIR_EL1          AV_SYSREG(3, 0, 10, 2, 0) /**< memory attribute indirection */
#define AV_SYS_AMAIR_EL1         AV_SYSREG(3, 0, 10, 3, 0) /**< auxiliary memory attributes */
#define AV_SYS_VBAR_EL1          AV_SYSREG(3, 0, 12, 0, 0) /**< vector base, EL1 */
#define AV_SYS_CONTEXTIDR_EL1    AV_SYSREG(3, 0, 13, 0, 1) /**< context ID */
#define AV_SYS_TPIDR_EL1         AV_SYSREG(3, 0, 13, 0, 4) /**< thread ID, EL1 */
#define AV_SYS_CNTKCTL_EL1       AV_SYSREG(3, 0, 14, 1, 0) /**< timer kernel control */
#define AV_SYS_RNDR              AV_SYSREG(3, 3, 2, 4, 0)  /**< random number */
#define AV_SYS_RNDRRS            AV_SYSREG(3, 3, 2, 4, 1)  /**< reseeded random number */
#define AV_SYS_NZCV              AV_SYSREG(3, 3, 4, 2, 0)  /**< condition flags */
#define AV_SYS_DAIF              AV_SYSREG(3, 3, 4, 2, 1)  /**< interrupt masks */
#define AV_SYS_FPCR              AV_SYSREG(3, 3, 4, 4, 0)  /**< FP control */
#define AV_SYS_FPSR              AV_SYSREG(3, 3, 4, 4, 1)  /**< FP status */
#define AV_SYS_TPIDR_EL0         AV_SYSREG(3, 3, 13, 0, 2) /**< thread ID, EL0 */
#define AV_SYS_TPIDRRO_EL0       AV_SYSREG(3, 3, 13, 0, 3) /**< read-only thread ID, EL0 */

/* Generic timer. */
#define AV_SYS_CNTFRQ_EL0        AV_SYSREG(3, 3, 14, 0, 0) /**< counter frequency */
#define AV_SYS_CNTPCT_EL0        AV_SYSREG(3, 3, 14, 0, 1) /**< physical count */
#define AV_SYS_CNTVCT_EL0        AV_SYSREG(3, 3, 14, 0, 2) /**< virtual count */
#define AV_SYS_CNTP_TVAL_EL0     AV_SYSREG(3, 3, 14, 2, 0) /**< EL1 physical timer value */
#define AV_SYS_CNTP_CTL_EL0      AV_SYSREG(3, 3, 14, 2, 1) /**< EL1 physical timer control */
#define AV_SYS_CNTP_CVAL_EL0     AV_SYSREG(3, 3, 14, 2, 2) /**< EL1 physical timer compare */
#define AV_SYS_CNTV_TVAL_EL0     AV_SYSREG(3, 3, 14, 3, 0) /**< virtual timer value */
#define AV_SYS_CNTV_CTL_EL0      AV_SYSREG(3, 3, 14, 3, 1) /**< virtual timer control */
#define AV_SYS_CNTV_CVAL_EL0     AV_SYSREG(3, 3, 14, 3, 2) /**< virtual timer compare */
#define AV_SYS_CNTVOFF_EL2       AV_SYSREG(3, 4, 14, 0, 3) /**< virtual counter offset */
#define AV_SYS_CNTPOFF_EL2       AV_SYSREG(3, 4, 14, 0, 6) /**< physical counter offset */
#define AV_SYS_CNTHCTL_EL2       AV_SYSREG(3, 4, 14, 1, 0) /**< hypervisor timer control */
#define AV_SYS_CNTHP_TVAL_EL2    AV_SYSREG(3, 4, 14, 2, 0) /**< EL2 physical timer value */
#define AV_SYS_CNTHP_CTL_EL2     AV_SYSREG(3, 4, 14, 2, 1) /**< EL2 physical timer control */
#define AV_SYS_CNTHP_CVAL_EL2    AV_SYSREG(3, 4, 14, 2, 2) /**< EL2 physical timer compare */
#define AV_SYS_CNTHV_TVAL_EL2    AV_SYSREG(3, 4, 14, 3, 0) /**< EL2 virtual timer value */
#define AV_SYS_CNTHV_CTL_EL2     AV_SYSREG(3, 4, 14, 3, 1) /**< EL2 virtual timer control */
#define AV_SYS_CNTHV_CVAL_EL2    AV_SYSREG(3, 4, 14, 3, 2) /**< EL2 virtual timer compare */

/* GICv3 CPU interface. */
#define AV_SYS_ICC_IAR0_EL1      AV_SYSREG(3, 0, 12, 8, 0)  /**< acknowledge, group 0 */
#define AV_SYS_ICC_EOIR0_EL1     AV_SYSREG(3, 0, 12, 8, 1)  /**< end of interrupt, group 0 */
#define AV_SYS_ICC_HPPIR0_EL1    AV_SYSREG(3, 0, 12, 8, 2)  /**< highest pending, group 0 */
#define AV_SYS_ICC_BPR0_EL1      AV_SYSREG(3, 0, 12, 8, 3)  /**< binary point, group 0 */
#define AV_SYS_ICC_AP0R0_EL1     AV_SYSREG(3, 0, 12, 8, 4)  /**< active priorities 0, group 0 */
#define AV_SYS_ICC_AP1R0_EL1     AV_SYSREG(3, 0, 12, 9, 0)  /**< active priorities 0, group 1 */
#define AV_SYS_ICC_DIR_EL1       AV_SYSREG(3, 0, 12, 11, 1) /**< deactivate interrupt */
#define AV_SYS_ICC_RPR_EL1       AV_SYSREG(3, 0, 12, 11, 3) /**< running priority */
#define AV_SYS_ICC_SGI1R_EL1     AV_SYSREG(3, 0, 12, 11, 5) /**< SGI generation, group 1 */
#define AV_SYS_ICC_ASGI1R_EL1    AV_SYSREG(3, 0, 12, 11, 6) /**< SGI generation, other group 1 */
#define AV_SYS_ICC_SGI0R_EL1     AV_SYSREG(3, 0, 12, 11, 7) /**< SGI generation, group 0 */
#define AV_SYS_ICC_IAR1_EL1      AV_SYSREG(3, 0, 12, 12, 0) /**< acknowledge, group 1 */
#define AV_SYS_ICC_EOIR1_EL1     AV_SYSREG(3, 0, 12, 12, 1) /**< end of interrupt, group 1 */
#define AV_SYS_ICC_HPPIR1_EL1    AV_SYSREG(3, 0, 12, 12, 2) /**< highest pending, group 1 */
#define AV_SYS_ICC_BPR1_EL1      AV_SYSREG(3, 0, 12, 12, 3) /**< binary point, group 1 */
#define AV_SYS_ICC_CTLR_EL1      AV_SYSREG(3, 0, 12, 12, 4) /**< CPU interface control */
#define AV_SYS_ICC_SRE_EL1       AV_SYSREG(3, 0, 12, 12, 5) /**< system register enable, EL1 */
#define AV_SYS_ICC_IGRPEN0_EL1   AV_SYSREG(3, 0, 12, 12, 6) /**< group 0 enable */
#define AV_SYS_ICC_IGRPEN1_EL1   AV_SYSREG(3, 0, 12, 12, 7) /**< group 1 enable */
#define AV_SYS_ICC_SRE_EL2       AV_SYSREG(3, 4, 12, 9, 5)  /**< system register enable, EL2 */
#define AV_SYS_ICH_HCR_EL2       AV_SYSREG(3, 4, 12, 11, 0) /**< virtual interface control */
#define AV_SYS_ICH_VTR_EL2       AV_SYSREG(3, 4, 12, 11, 1) /**< VGIC type */
#define AV_SYS_ICH_MISR_EL2      AV_SYSREG(3, 4, 12, 11, 2) /**< maintenance interrupt state */
#define AV_SYS_ICH_EISR_EL2      AV_SYSREG(3, 4, 12, 11, 3) /**< end of interrupt status */
#define AV_SYS_ICH_ELRSR_EL2     AV_SYSREG(3, 4, 12, 11, 5) /**< empty list register status */
#define AV_SYS_ICH_VMCR_EL2      AV_SYSREG(3, 4, 12, 11, 7) /**< virtual machine control */
/** ICH_AP0R<n>_EL2, n = 0..3. */
#define AV_SYS_ICH_AP0Rn_EL2(n)  AV_SYSREG(3, 4, 12, 8, (n))
/** ICH_AP1R<n>_EL2, n = 0..3. */
#define AV_SYS_ICH_AP1Rn_EL2(n)  AV_SYSREG(3, 4, 12, 9, (n))
/** ICH_LR<n>_EL2, n = 0..15. */
#define AV_SYS_ICH_LRn_EL2(n)    AV_SYSREG(3, 4, 12, 12 + (n) / 8, (n) % 8)

/* Performance monitors. */
#define AV_SYS_PMCR_EL0          AV_SYSREG(3, 3, 9, 12, 0)  /**< PMU control */
#define AV_SYS_PMCNTENSET_EL0    AV_SYSREG(3, 3, 9, 12, 1)  /**< counter enable set */
#define AV_SYS_PMCNTENCLR_EL0    AV_SYSREG(3, 3, 9, 12, 2)  /**< counter enable clear */
#define AV_SYS_PMOVSCLR_EL0      AV_SYSREG(3, 3, 9, 12, 3)  /**< overflow flag clear */
#define AV_SYS_PMSWINC_EL0       AV_SYSREG(3, 3, 9, 12, 4)  /**< software increment */
#define AV_SYS_PMSELR_EL0        AV_SYSREG(3, 3, 9, 12, 5)  /**< event counter selection */
#define AV_SYS_PMCEID0_EL0       AV_SYSREG(3, 3, 9, 12, 6)  /**< common event ID 0 */
#define AV_SYS_PMCEID1_EL0       AV_SYSREG(3, 3, 9, 12, 7)  /**< common event ID 1 */
#define AV_SYS_PMCCNTR_EL0       AV_SYSREG(3, 3, 9, 13, 0)  /**< cycle counter */
#define AV_SYS_PMXEVTYPER_EL0    AV_SYSREG(3, 3, 9, 13, 1)  /**< selected event type */
#define AV_SYS_PMXEVCNTR_EL0     AV_SYSREG(3, 3, 9, 13, 2)  /**< selected event count */
#define AV_SYS_PMUSERENR_EL0     AV_SYSREG(3, 3, 9, 14, 0)  /**< user enable */
#define AV_SYS_PMOVSSET_EL0      AV_SYSREG(3, 3, 9, 14, 3)  /**< overflow flag set */
#define AV_SYS_PMCCFILTR_EL0     AV_SYSREG(3, 3, 14, 15, 7) /**< cycle counter filter */
/** PMEVCNTR<n>_EL0, n = 0..30. */
#define AV_SYS_PMEVCNTRn_EL0(n)  AV_SYSREG(3, 3, 14, 8 + (n) / 8, (n) % 8)
/** PMEVTYPER<n>_EL0, n = 0..30. */
#define AV_SYS_PMEVTYPERn_EL0(n) AV_SYSREG(3, 3, 14, 12 + (n) / 8, (n) % 8)

/* Debug. */
#define AV_SYS_OSDTRRX_EL1       AV_SYSREG(2, 0, 0, 0, 2)  /**< OS lock data transfer, rx */
#define AV_SYS_MDCCINT_EL1       AV_SYSREG(2, 0, 0, 2, 0)  /**< debug comms interrupt enable */
#define AV_SYS_MDSCR_EL1         AV_SYSREG(2, 0, 0, 2, 2)  /**< monitor debug system control */
#define AV_SYS_OSDTRTX_EL1       AV_SYSREG(2, 0, 0, 3, 2)  /**< OS lock data transfer, tx */
#define AV_SYS_OSECCR_EL1        AV_SYSREG(2, 0, 0, 6, 2)  /**< OS lock exception catch */
#define AV_SYS_MDRAR_EL1         AV_SYSREG(2, 0, 1, 0, 0)  /**< debug ROM address */
#define AV_SYS_OSLAR_EL1         AV_SYSREG(2, 0, 1, 0, 4)  /**< OS lock access */
#define AV_SYS_OSLSR_EL1         AV_SYSREG(2, 0, 1, 1, 4)  /**< OS lock status */
#define AV_SYS_OSDLR_EL1         AV_SYSREG(2, 0, 1, 3, 4)  /**< OS double lock */
#define AV_SYS_DBGPRCR_EL1       AV_SYSREG(2, 0, 1, 4, 4)  /**< debug power/reset control */
#define AV_SYS_DBGCLAIMSET_EL1   AV_SYSREG(2, 0, 7, 8, 6)  /**< claim tag set */
#define AV_SYS_DBGCLAIMCLR_EL1   AV_SYSREG(2, 0, 7, 9, 6)  /**< claim tag clear */
#define AV_SYS_DBGAUTHSTATUS_EL1 AV_SYSREG(2, 0, 7, 14, 6) /**< authentication status */
#define AV_SYS_MDCCSR_EL0        AV_SYSREG(2, 3, 0, 1, 0)  /**< debug comms channel status */
/** DBGBVR<n>_EL1, n = 0..15. */
#define AV_SYS_DBGBVRn_EL1(n)    AV_SYSREG(2, 0, 0, (n), 4)
/** DBGBCR<n>_EL1, n = 0..15. */
#define AV_SYS_DBGBCRn_EL1(n)    AV_SYSREG(2, 0, 0, (n), 5)
/** DBGWVR<n>_EL1, n = 0..15. */
#define AV_SYS_DBGWVRn_EL1(n)    AV_SYSREG(2, 0, 0, (n), 6)
/** DBGWCR<n>_EL1, n = 0..15. */
#define AV_SYS_DBGWCRn_EL1(n)    AV_SYSREG(2, 0, 0, (n), 7)

/* EL2. */
#define AV_SYS_VPIDR_EL2         AV_SYSREG(3, 4, 0, 0, 0)  /**< virtualization processor ID */
#define AV_SYS_VMPIDR_EL2        AV_SYSREG(3, 4, 0, 0, 5)  /**< virtualization MPIDR */
#define AV_SYS_SCTLR_EL2         AV_SYSREG(3, 4, 1, 0, 0)  /**< system control, EL2 */
#define AV_SYS_ACTLR_EL2         AV_SYSREG(3, 4, 1, 0, 1)  /**< auxiliary control, EL2 */
#define AV_SYS_HCR_EL2           AV_SYSREG(3, 4, 1, 1, 0)  /**< hypervisor configuration */
#define AV_SYS_MDCR_EL2          AV_SYSREG(3, 4, 1, 1, 1)  /**< monitor debug configuration */
#define AV_SYS_CPTR_EL2          AV_SYSREG(3, 4, 1, 1, 2)  /**< architectural feature trap */
#define AV_SYS_HSTR_EL2          AV_SYSREG(3, 4, 1, 1, 3)  /**< hypervisor system trap */
#define AV_SYS_HFGRTR_EL2        AV_SYSREG(3, 4, 1, 1, 4)  /**< fine-grained read traps */
#define AV_SYS_HFGWTR_EL2        AV_SYSREG(3, 4, 1, 1, 5)  /**< fine-grained write traps */
#define AV_SYS_HFGITR_EL2        AV_SYSREG(3, 4, 1, 1, 6)  /**< fine-grained instruction traps */
#define AV_SYS_HACR_EL2          AV_SYSREG(3, 4, 1, 1, 7)  /**< hypervisor auxiliary control */
#define AV_SYS_ZCR_EL2           AV_SYSREG(3, 4, 1, 2, 0)  /**< SVE control, EL2 */
#define AV_SYS_HCRX_EL2          AV_SYSREG(3, 4, 1, 2, 2)  /**< extended hypervisor config */
#define AV_SYS_TTBR0_EL2         AV_SYSREG(3, 4, 2, 0, 0)  /**< translation table base 0, EL2 */
#define AV_SYS_TTBR1_EL2         AV_SYSREG(3, 4, 2, 0, 1)  /**< translation table base 1, EL2 */
#define AV_SYS_TCR_EL2           AV_SYSREG(3, 4, 2, 0, 2)  /**< translation control, EL2 */
#define AV_SYS_VTTBR_EL2         AV_SYSREG(3, 4, 2, 1, 0)  /**< stage-2 translation table base */
#define AV_SYS_VTCR_EL2          AV_SYSREG(3, 4, 2, 1, 2)  /**< stage-2 translation control */
#define AV_SYS_VNCR_EL2          AV_SYSREG(3, 4, 2, 2, 0)  /**< nested virtualization base */
#define AV_SYS_VSTTBR_EL2        AV_SYSREG(3, 4, 2, 6, 0)  /**< secure stage-2 table base */
#define AV_SYS_VSTCR_EL2         AV_SYSREG(3, 4, 2, 6, 2)  /**< secure stage-2 control */
#define AV_SYS_HDFGRTR_EL2       AV_SYSREG(3, 4, 3, 1, 4)  /**< fine-grained debug read traps */
#define AV_SYS_HDFGWTR_EL2       AV_SYSREG(3, 4, 3, 1, 5)  /**< fine-grained debug write traps */
#define AV_SYS_SPSR_EL2          AV_SYSREG(3, 4, 4, 0, 0)  /**< saved program status, EL2 */
#define AV_SYS_ELR_EL2           AV_SYSREG(3, 4, 4, 0, 1)  /**< exception link, EL2 */
#define AV_SYS_SP_EL1            AV_SYSREG(3, 4, 4, 1, 0)  /**< stack pointer, EL1 */
#define AV_SYS_ESR_EL2           AV_SYSREG(3, 4, 5, 2, 0)  /**< exception syndrome, EL2 */
#define AV_SYS_FAR_EL2           AV_SYSREG(3, 4, 6, 0, 0)  /**< fault address, EL2 */
#define AV_SYS_HPFAR_EL2         AV_SYSREG(3, 4, 6, 0, 4)  /**< faulting IPA */
#define AV_SYS_MAIR_EL2          AV_SYSREG(3, 4, 10, 2, 0) /**< memory attributes, EL2 */
#define AV_SYS_VBAR_EL2          AV_SYSREG(3, 4, 12, 0, 0) /**< vector base, EL2 */
#define AV_SYS_CONTEXTIDR_EL2    AV_SYSREG(3, 4, 13, 0, 1) /**< context ID, EL2 */
#define AV_SYS_TPIDR_EL2         AV_SYSREG(3, 4, 13, 0, 2) /**< thread ID, EL2 */

/* EL1/EL0 registers as accessed from EL2 with HCR_EL2.E2H = 1. */
#define AV_SYS_SCTLR_EL12        AV_SYSREG(3, 5, 1, 0, 0)  /**< SCTLR_EL1 from EL2 (VHE) */
#define AV_SYS_CPACR_EL12        AV_SYSREG(3, 5, 1, 0, 2)  /**< CPACR_EL1 from EL2 (VHE) */
#define AV_SYS_TTBR0_EL12        AV_SYSREG(3, 5, 2, 0, 0)  /**< TTBR0_EL1 from EL2 (VHE) */
#define AV_SYS_TTBR1_EL12        AV_SYSREG(3, 5, 2, 0, 1)  /**< TTBR1_EL1 from EL2 (VHE) */
#define AV_SYS_TCR_EL12          AV_SYSREG(3, 5, 2, 0, 2)  /**< TCR_EL1 from EL2 (VHE) */
#define AV_SYS_SPSR_EL12         AV_SYSREG(3, 5, 4, 0, 0)  /**< SPSR_EL1 from EL2 (VHE) */
#define AV_SYS_ELR_EL12          AV_SYSREG(3, 5, 4, 0, 1)  /**< ELR_EL1 from EL2 (VHE) */
#define AV_SYS_AFSR0_EL12        AV_SYSREG(3, 5, 5, 1, 0)  /**< AFSR0_EL1 from EL2 (VHE) */
#define AV_SYS_AFSR1_EL12        AV_SYSREG(3, 5, 5, 1, 1)  /**< AFSR1_EL1 from EL2 (VHE) */
#define AV_SYS_ESR_EL12          AV_SYSREG(3, 5, 5, 2, 0)  /**< ESR_EL1 from EL2 (VHE) */
#define AV_SYS_FAR_EL12          AV_SYSREG(3, 5, 6, 0, 0)  /**< FAR_EL1 from EL2 (VHE) */
#define AV_SYS_MAIR_EL12         AV_SYSREG(3, 5, 10, 2, 0) /**< MAIR_EL1 from EL2 (VHE) */
#define AV_SYS_AMAIR_EL12        AV_SYSREG(3, 5, 10, 3, 0) /**< AMAIR_EL1 from EL2 (VHE) */
#define AV_SYS_VBAR_EL12         AV_SYSREG(3, 5, 12, 0, 0) /**< VBAR_EL1 from EL2 (VHE) */
#define AV_SYS_CONTEXTIDR_EL12   AV_SYSREG(3, 5, 13, 0, 1) /**< CONTEXTIDR_EL1 from EL2 (VHE) */
#define AV_SYS_CNTKCTL_EL12      AV_SYSREG(3, 5, 14, 1, 0) /**< CNTKCTL_EL1 from EL2 (VHE) */
#define AV_SYS_CNTP_TVAL_EL02    AV_SYSREG(3, 5, 14, 2, 0) /**< CNTP_TVAL_EL0 from EL2 (VHE) */
#define AV_SYS_CNTP_CTL_EL02     AV_SYSREG(3, 5, 14, 2, 1) /**< CNTP_CTL_EL0 from EL2 (VHE) */
#define AV_SYS_CNTP_CVAL_EL02    AV_SYSREG(3, 5, 14, 2, 2) /**< CNTP_CVAL_EL0 from EL2 (VHE) */
#define AV_SYS_CNTV_TVAL_EL02    AV_SYSREG(3, 5, 14, 3, 0) /**< CNTV_TVAL_EL0 from EL2 (VHE) */
#define AV_SYS_CNTV_CTL_EL02     AV_SYSREG(3, 5, 14, 3, 1) /**< CNTV_CTL_EL0 from EL2 (VHE) */
#define AV_SYS_CNTV_CVAL_EL02    AV_SYSREG(3, 5, 14, 3, 2) /**< CNTV_CVAL_EL0 from EL2 (VHE) */

/* ---------------------------------------------------------------------------------------
 * Names
 */

/** One row of the built-in name table. */
struct av_sysreg_name {
	uint32_t key;     /**< the register's key */
	const char *name; /**< its name as the Arm ARM spells it (e.g. "ID_AA64PFR0_EL1") */
};

/** Longest string av_sysreg_format_key() produces, including the NUL. */
#define AV_SYSREG_NAME_MAX 32

/**
 * The built-in name table: several hundred AArch64 system registers, sorted in encoding
 * order with unique keys and unique names (av_sysreg_names_check()).
 *
 * @param[out] n  number of rows (may be NULL)
 * @return the first row
 */
const struct av_sysreg_name *av_sysreg_name_table(size_t *n);

/**
 * Check the built-in name table: sorted in encoding order, unique keys, names unique
 * even ignoring case, no key bits outside AV_SYSREG_KEY_MASK. Logs the first problem with av_err().
 *
 * @return 0, -AV_EINVAL (misordered or malformed row) or -AV_EEXIST (duplicate)
 */
int av_sysreg_names_check(void);

/**
 * The architectural name of @p key.
 *
 * @param key the register's key
 * @return a static string, or NULL when the table does not know the register
 */
const char *av_sysreg_name(uint32_t key);

/**
 * Find the key of a register by name.
 *
 * Names compare case-insensitively ("sctlr_el1" works). The generic form
 * `S<op0>_<op1>_C<n>_C<m>_<op2>` (as accepted by assemblers, e.g. "S3_0_C15_C2_1") is
 * accepted too, for any in-range encoding, named or not.
 *
 * @param name      NUL-terminated name
 * @param[out] key  the key, on success
 * @return 0, -AV_EINVAL (NULL arguments) or -AV_ENOENT (unknown name)
 */
int av_sysreg_key_from_name(const char *name, uint32_t *key);

/**
 * Format @p key in the generic form `S<op0>_<op1>_C<n>_C<m>_<op2>`.
 *
 * @param key the register's key
 * @param buf output buffer, always NUL-terminated when @p size > 0
 * @param size size of @p buf
 * @return the length of the full string (as av_snprintf()); the output is truncated but
 *         NUL-terminated when it is >= @p size
 */
int av_sysreg_format_generic(uint32_t key, char *buf, size_t size);

/**
 * Format @p key as its name when the name table knows it, else in the generic form.
 *
 * @param key the register's key
 * @param buf output buffer, always NUL-terminated when @p size > 0
 * @param size size of @p buf
 * @return the length of the full string (as av_snprintf())
 */
int av_sysreg_format_key(uint32_t key, char *buf, size_t size);

/* ---------------------------------------------------------------------------------------
 * Table-driven emulation
 */

/* What a trapped access turns into (the caller carries it out) is an enum av_access_result
 * (armvirt/types.h): AV_ACCESS_HANDLED (for a read the value is in `*val`: write it to Rt
 * unless Rt is 31; advance the PC), AV_ACCESS_INJECT (inject UNDEFINED; PC not advanced)
 * or AV_ACCESS_TO_CALLER. */
#ifndef AV_NO_DEPRECATED
#define av_sysreg_result av_access_result           /**< deprecated: enum av_access_result */
#define AV_SYSREG_HANDLED AV_ACCESS_HANDLED        /**< deprecated: AV_ACCESS_HANDLED */
#define AV_SYSREG_INJECT_UNDEF AV_ACCESS_INJECT    /**< deprecated: AV_ACCESS_INJECT */
#define AV_SYSREG_TO_CALLER AV_ACCESS_TO_CALLER    /**< deprecated: AV_ACCESS_TO_CALLER */
#endif

/** How a row behaves. */
enum av_sysreg_kind {
	AV_SYSREG_RAZ_WI = 0,  /**< reads as zero, writes ignored */
	AV_SYSREG_CONST = 1,   /**< reads as the row's `value`, writes ignored */
	AV_SYSREG_RO = 2,      /**< reads as the row's `value`, writes UNDEFINED */
	AV_SYSREG_UNDEF = 3,   /**< reads and writes UNDEFINED */
	AV_SYSREG_HANDLER = 4, /**< the row's `access` callback decides */
	AV_SYSREG_KIND_MAX
};

struct av_sysreg_desc;
struct av_sysreg_table;

/** What a handler is told about the access. */
struct av_sysreg_ctx {
	const struct av_sysreg_table *table; /**< the table searched (its `cookie` is here) */
	const struct av_sysreg_desc *desc;   /**< the matching row */
	void *vcpu;                          /**< the per-call cookie given to the emulator */
	uint32_t key;                        /**< the register accessed (within a range row) */
	unsigned rt;                         /**< transfer register (31 = XZR); informative */
	bool is_write;                       /**< MSR (true) or MRS (false) */
};

/**
 * Access callback of an AV_SYSREG_HANDLER row.
 *
 * @param ctx  the access
 * @param val  for a write: the value written; for a read: store the value read here
 *             (it starts as 0)
 * @return what the caller must do
 */
typedef enum av_access_result (*av_sysreg_access_fn)(const struct av_sysreg_ctx *ctx,
						     uint64_t *val);

/**
 * One emulation row. Write rows with designated initializers (or the AV_SYSREG_ROW_*
 * macros), e.g. `{ .key = AV_SYSREG(3, 0, 15, 2, 1), .name = "S3_0_C15_C2_1",
 * .kind = AV_SYSREG_RAZ_WI }`; members left out are zero, and -Wextra does not warn.
 */
struct av_sysreg_desc {
	uint32_t key;               /**< the register, or the first of a range */
	const char *name;           /**< for logs; may be NULL */
	enum av_sysreg_kind kind;   /**< behaviour */
	uint64_t value;             /**< CONST/RO: the value read; HANDLER: free for its use */
	av_sysreg_access_fn access; /**< HANDLER: the callback (required) */
	uint32_t last;              /**< 0: one register; else the last key of a range,
					 inclusive, in encoding order */
	unsigned flags;             /**< AV_SYSREG_F_* (0: none) */
};

/**
 * Row flag: the row may be emulated on the library's fast path (av_vm_fast_exit()), from
 * the EL2 vectors with the guest's EL1 state still live and no lock held. Rows of a fixed
 * kind (RAZ_WI, CONST, RO) always are; a HANDLER row only
 * with this flag, which promises that its callback reads and writes nothing but the
 * table's cookie and @p val (no other vCPU's state, no vGIC, timer or PMU state, no log
 * line), like a cache of ID register values. Set with a designated initializer
 * (`.flags = AV_SYSREG_F_FAST`). Accesses that inject (UNDEF rows, writes to RO rows) and
 * keys without a row (logged) always take the full exit.
 */
#define AV_SYSREG_F_FAST 0x1u

/** `.key` and `.name` of register R from its AV_SYS_R constant, for the start of a row:
 *  `{ AV_SYSREG_NAMED(MIDR_EL1), .kind = AV_SYSREG_RO, .value = 0x410fd083 }`. */
#define AV_SYSREG_NAMED(R) .key = AV_SYS_##R, .name = #R

/** A row that reads as zero and ignores writes. */
#define AV_SYSREG_ROW_RAZ_WI(k, nm) { .key = (k), .name = (nm), .kind = AV_SYSREG_RAZ_WI }
/** A row that reads as @p v and ignores writes. */
#define AV_SYSREG_ROW_CONST(k, nm, v) \
	{ .key = (k), .name = (nm), .kind = AV_SYSREG_CONST, .value = (v) }
/** A row that reads as @p v; writes are UNDEFINED. */
#define AV_SYSREG_ROW_RO(k, nm, v) \
	{ .key = (k), .name = (nm), .kind = AV_SYSREG_RO, .value = (v) }
/** A row whose accesses are UNDEFINED. */
#define AV_SYSREG_ROW_UNDEF(k, nm) { .key = (k), .name = (nm), .kind = AV_SYSREG_UNDEF }
/** A row handled by @p fn, with @p arg in the row's `value`. */
#define AV_SYSREG_ROW_HANDLER(k, nm, fn, arg) \
	{ .key = (k), .name = (nm), .kind = AV_SYSREG_HANDLER, .value = (arg), .access = (fn) }
/** A range row: keys @p first .. @p lst (inclusive, encoding order) handled by @p fn. */
#define AV_SYSREG_ROW_RANGE(first, lst, nm, fn, arg)                                   \
	{ .key = (first), .name = (nm), .kind = AV_SYSREG_HANDLER, .value = (arg),      \
	  .access = (fn), .last = (lst) }

/** Distinct unhandled keys a table remembers so that each is logged once. */
#define AV_SYSREG_WARN_SLOTS 16

/** Groups of the lookup index: one per (op0, op1, CRn), the key order's bits 15:7. */
#define AV_SYSREG_INDEX_GROUPS 512
/** Keys of one group: (CRm, op2), the key order's bits 6:0. */
#define AV_SYSREG_INDEX_GROUP_KEYS 128
/** Groups an index can map key by key (those holding parts of several rows); further
 *  such groups, and those of a table of more than 254 rows, are binary-searched. */
#define AV_SYSREG_INDEX_BLOCKS 16

/**
 * Private: the lookup index av_sysreg_table_init() builds so that a trap finds its row
 * with two table loads instead of a binary search (av_sysreg_lookup()).
 *
 * `group[g]` for the group g = (op0 << 7) | (op1 << 4) | CRn: 0 when no row covers a key
 * of the group; #AV_SYSREG_INDEX_ONE_ROW | r when row r covers every key of it;
 * #AV_SYSREG_INDEX_SEARCH when the group is binary-searched; else b (1 ..
 * #AV_SYSREG_INDEX_BLOCKS): `block[b - 1][(CRm << 3) | op2]` is 0 (no row) or r + 1 (row r).
 */
struct av_sysreg_index {
	uint16_t group[AV_SYSREG_INDEX_GROUPS];                        /**< per group */
	uint8_t block[AV_SYSREG_INDEX_BLOCKS][AV_SYSREG_INDEX_GROUP_KEYS]; /**< per key */
};

#define AV_SYSREG_INDEX_ONE_ROW 0x8000u /**< index: the group is row (entry & 0x7fff) */
#define AV_SYSREG_INDEX_SEARCH  0x4000u /**< index: binary-search the group */

/**
 * An emulation table: sorted rows plus the behaviour for keys without a row.
 * Set up with av_sysreg_table_init(); the rows are not copied and must outlive it.
 */
struct av_sysreg_table {
	const struct av_sysreg_desc *rows;     /**< sorted rows */
	size_t nrows;                          /**< number of rows */
	enum av_sysreg_kind unmatched;         /**< AV_SYSREG_UNDEF or AV_SYSREG_RAZ_WI */
	void *cookie;                          /**< handed to handlers in ctx->table */
	uint32_t warned[AV_SYSREG_WARN_SLOTS]; /**< private: keys already logged (key + 1) */
	uint32_t warn_next;                    /**< private: next slot to reuse */
	/** Optional budget for the "unhandled" lines, set after av_sysreg_table_init() (NULL:
	 *  none). The ring above only remembers #AV_SYSREG_WARN_SLOTS keys, so a guest cycling
	 *  through more would be logged on every access without one; av_vm_init() sets the
	 *  VM's (struct av_vm::log_budget). */
	struct av_log_budget *log_budget;
	struct av_sysreg_index index; /**< private: built by av_sysreg_table_init() */
};

/**
 * Check rows: every key and range end inside AV_SYSREG_KEY_MASK, a valid kind, a
 * callback on every HANDLER row, ranges not reversed, rows sorted in encoding order
 * with no duplicates and no overlapping ranges. Logs the first problem with av_err().
 *
 * @param rows the table rows
 * @param n number of rows
 * @return 0; -AV_EINVAL for a NULL table with rows, a bad row, a missing callback or a
 *         misordered table; -AV_EEXIST for a duplicate key or overlapping rows
 */
int av_sysreg_table_check(const struct av_sysreg_desc *rows, size_t n);

/**
 * Check @p rows and set up @p t.
 *
 * @param unmatched  what keys without a row do: AV_SYSREG_UNDEF or AV_SYSREG_RAZ_WI
 * @param cookie     handed to handlers through ctx->table->cookie
 * @param t the table to initialise
 * @param rows the table rows
 * @param n number of rows
 * @return 0, an error of av_sysreg_table_check(), or -AV_EINVAL for a bad @p unmatched
 */
int av_sysreg_table_init(struct av_sysreg_table *t, const struct av_sysreg_desc *rows,
			 size_t n, enum av_sysreg_kind unmatched, void *cookie);

/**
 * The row of an initialised table covering @p key: the same answer as av_sysreg_find() on
 * the table's rows, from the index av_sysreg_table_init() built (two table loads for the
 * keys of groups the index maps; a binary search for the rest, see
 * #AV_SYSREG_INDEX_BLOCKS). This is what av_sysreg_emulate() and av_sysreg_trap() use.
 *
 * @param t an initialised table (its rows must not have changed since)
 * @param key the key looked up
 * @return the row covering @p key, or NULL (also for a key with bits outside
 *         #AV_SYSREG_KEY_MASK)
 */
const struct av_sysreg_desc *av_sysreg_lookup(const struct av_sysreg_table *t, uint32_t key);

/**
 * Binary search of checked rows.
 * @param rows the table rows
 * @param n number of rows
 * @param key the key looked up
 * @return the row covering @p key, or NULL
 */
const struct av_sysreg_desc *av_sysreg_find(const struct av_sysreg_desc *rows, size_t n,
					    uint32_t key);

/**
 * Emulate one trapped MSR/MRS.
 *
 * A key without a row gets the table's `unmatched` behaviour and, the first time the
 * table sees that key, one av_warn() line showing the row to add, e.g.
 * `sysreg: unhandled MSR S3_0_C15_C2_1 (op0=3 op1=0 CRn=15 CRm=2 op2=1): add
 * { .key = AV_SYSREG(3, 0, 15, 2, 1), .name = "S3_0_C15_C2_1", .kind = AV_SYSREG_RAZ_WI },`
 * (one line; the name is the register's name when the name table knows it).
 *
 * @param t     an initialised table
 * @param vcpu  per-call cookie for handlers (ctx->vcpu)
 * @param acc   the decoded access (av_sysreg_decode_iss())
 * @param val   in: the value written (MSR); out: the value read (MRS), 0 unless handled
 * @return the action for the caller
 *
 * Context: any; handlers decide their own locking.
 */
enum av_access_result av_sysreg_emulate(struct av_sysreg_table *t, void *vcpu,
					const struct av_sysreg_access *acc, uint64_t *val);

/**
 * Emulate an EC 0x18 trap on a register file: decode @p iss, read Rt for an MSR
 * (register 31 reads as zero), call av_sysreg_emulate(), then for a handled MRS write
 * Rt (unless it is 31) and for any handled access advance `regs->pc` by 4.
 *
 * @param t the trap table
 * @param vcpu passed unchanged to the row callbacks
 * @param iss ISS of an EC 0x18 syndrome
 * @param regs the vCPU's registers (Rt is read or written)
 * @return as av_sysreg_emulate(); on AV_ACCESS_INJECT or AV_ACCESS_TO_CALLER
 *         @p regs is unchanged
 */
enum av_access_result av_sysreg_trap(struct av_sysreg_table *t, void *vcpu, uint32_t iss,
				     struct av_regs *regs);

/* ---------------------------------------------------------------------------------------
 * ID-register fields (Arm ARM D23.2). One line per field; fields not listed are RES0
 * (or, for CTR_EL0 bit 31, RES1).
 */
#define AV_ID_AA64PFR0_EL0       AV_GENMASK(3, 0)   /**< EL0 AArch64/AArch32 */
#define AV_ID_AA64PFR0_EL1       AV_GENMASK(7, 4)   /**< EL1 AArch64/AArch32 */
#define AV_ID_AA64PFR0_EL2       AV_GENMASK(11, 8)  /**< EL2 implemented, AArch32 */
#define AV_ID_AA64PFR0_EL3       AV_GENMASK(15, 12) /**< EL3 implemented, AArch32 */
#define AV_ID_AA64PFR0_FP        AV_GENMASK(19, 16) /**< FP (signed: 0xF = none) */
#define AV_ID_AA64PFR0_ADVSIMD   AV_GENMASK(23, 20) /**< AdvSIMD (signed: 0xF = none) */
#define AV_ID_AA64PFR0_GIC       AV_GENMASK(27, 24) /**< GIC system register interface */
#define AV_ID_AA64PFR0_RAS       AV_GENMASK(31, 28) /**< RAS extension */
#define AV_ID_AA64PFR0_SVE       AV_GENMASK(35, 32) /**< SVE */
#define AV_ID_AA64PFR0_SEL2      AV_GENMASK(39, 36) /**< secure EL2 */
#define AV_ID_AA64PFR0_MPAM      AV_GENMASK(43, 40) /**< MPAM major version */
#define AV_ID_AA64PFR0_AMU       AV_GENMASK(47, 44) /**< activity monitors */
#define AV_ID_AA64PFR0_DIT       AV_GENMASK(51, 48) /**< data-independent timing */
#define AV_ID_AA64PFR0_RME       AV_GENMASK(55, 52) /**< realm management */
#define AV_ID_AA64PFR0_CSV2      AV_GENMASK(59, 56) /**< speculative branch targets */
#define AV_ID_AA64PFR0_CSV3      AV_GENMASK(63, 60) /**< speculative faulting loads */

#define AV_ID_AA64PFR1_BT        AV_GENMASK(3, 0)   /**< branch target identification */
#define AV_ID_AA64PFR1_SSBS      AV_GENMASK(7, 4)   /**< speculative store bypass safe */
#define AV_ID_AA64PFR1_MTE       AV_GENMASK(11, 8)  /**< memory tagging */
#define AV_ID_AA64PFR1_RAS_FRAC  AV_GENMASK(15, 12) /**< RAS minor version */
#define AV_ID_AA64PFR1_MPAM_FRAC AV_GENMASK(19, 16) /**< MPAM minor version */
#define AV_ID_AA64PFR1_SME       AV_GENMASK(27, 24) /**< scalable matrix extension */
#define AV_ID_AA64PFR1_RNDR_TRAP AV_GENMASK(31, 28) /**< RNDR trapping */
#define AV_ID_AA64PFR1_CSV2_FRAC AV_GENMASK(35, 32) /**< CSV2 minor version */
#define AV_ID_AA64PFR1_NMI       AV_GENMASK(39, 36) /**< non-maskable interrupts */
#define AV_ID_AA64PFR1_MTE_FRAC  AV_GENMASK(43, 40) /**< async tag faults (0xF = none) */
#define AV_ID_AA64PFR1_GCS       AV_GENMASK(47, 44) /**< guarded control stack */
#define AV_ID_AA64PFR1_THE       AV_GENMASK(51, 48) /**< translation hardening */
#define AV_ID_AA64PFR1_MTEX      AV_GENMASK(55, 52) /**< MTE canonical tag checking */
#define AV_ID_AA64PFR1_DF2       AV_GENMASK(59, 56) /**< double fault extension */
#define AV_ID_AA64PFR1_PFAR      AV_GENMASK(63, 60) /**< physical fault address regs */

#define AV_ID_AA64ZFR0_SVEVER    AV_GENMASK(3, 0)   /**< SVE version */
#define AV_ID_AA64ZFR0_AES       AV_GENMASK(7, 4)   /**< SVE AES */
#define AV_ID_AA64ZFR0_BITPERM   AV_GENMASK(19, 16) /**< SVE bit permute */
#define AV_ID_AA64ZFR0_BF16      AV_GENMASK(23, 20) /**< SVE BFloat16 */
#define AV_ID_AA64ZFR0_SHA3      AV_GENMASK(35, 32) /**< SVE SHA3 */
#define AV_ID_AA64ZFR0_SM4       AV_GENMASK(43, 40) /**< SVE SM4 */
#define AV_ID_AA64ZFR0_I8MM      AV_GENMASK(47, 44) /**< SVE int8 matrix multiply */
#define AV_ID_AA64ZFR0_F32MM     AV_GENMASK(55, 52) /**< SVE fp32 matrix multiply */
#define AV_ID_AA64ZFR0_F64MM     AV_GENMASK(59, 56) /**< SVE fp64 matrix multiply */

#define AV_ID_AA64DFR0_DEBUGVER  AV_GENMASK(3, 0)   /**< debug architecture version */
#define AV_ID_AA64DFR0_TRACEVER  AV_GENMASK(7, 4)   /**< trace unit system registers */
#define AV_ID_AA64DFR0_PMUVER    AV_GENMASK(11, 8)  /**< PMU version (0xF = IMPDEF) */
#define AV_ID_AA64DFR0_BRPS      AV_GENMASK(15, 12) /**< breakpoints - 1 */
#define AV_ID_AA64DFR0_WRPS      AV_GENMASK(23, 20) /**< watchpoints - 1 */
#define AV_ID_AA64DFR0_CTX_CMPS  AV_GENMASK(31, 28) /**< context-aware breakpoints - 1 */
#define AV_ID_AA64DFR0_PMSVER    AV_GENMASK(35, 32) /**< statistical profiling */
#define AV_ID_AA64DFR0_DOUBLELOCK AV_GENMASK(39, 36) /**< OS double lock (signed) */
#define AV_ID_AA64DFR0_TRACEFILT AV_GENMASK(43, 40) /**< trace filter */
#define AV_ID_AA64DFR0_TRACEBUFFER AV_GENMASK(47, 44) /**< trace buffer */
#define AV_ID_AA64DFR0_MTPMU     AV_GENMASK(51, 48) /**< multi-threaded PMU (signed) */
#define AV_ID_AA64DFR0_BRBE      AV_GENMASK(55, 52) /**< branch record buffer */
#define AV_ID_AA64DFR0_HPMN0     AV_GENMASK(63, 60) /**< MDCR_EL2.HPMN may be 0 */

#define AV_ID_AA64ISAR0_AES      AV_GENMASK(7, 4)   /**< AES, PMULL */
#define AV_ID_AA64ISAR0_SHA1     AV_GENMASK(11, 8)  /**< SHA1 */
#define AV_ID_AA64ISAR0_SHA2     AV_GENMASK(15, 12) /**< SHA256, SHA512 */
#define AV_ID_AA64ISAR0_CRC32    AV_GENMASK(19, 16) /**< CRC32 */
#define AV_ID_AA64ISAR0_ATOMIC   AV_GENMASK(23, 20) /**< LSE atomics */
#define AV_ID_AA64ISAR0_TME      AV_GENMASK(27, 24) /**< transactional memory */
#define AV_ID_AA64ISAR0_RDM      AV_GENMASK(31, 28) /**< SQRDMLAH/SQRDMLSH */
#define AV_ID_AA64ISAR0_SHA3     AV_GENMASK(35, 32) /**< SHA3 */
#define AV_ID_AA64ISAR0_SM3      AV_GENMASK(39, 36) /**< SM3 */
#define AV_ID_AA64ISAR0_SM4      AV_GENMASK(43, 40) /**< SM4 */
#define AV_ID_AA64ISAR0_DP       AV_GENMASK(47, 44) /**< dot product */
#define AV_ID_AA64ISAR0_FHM      AV_GENMASK(51, 48) /**< FMLAL/FMLSL */
#define AV_ID_AA64ISAR0_TS       AV_GENMASK(55, 52) /**< flag manipulation */
#define AV_ID_AA64ISAR0_TLB      AV_GENMASK(59, 56) /**< outer-shareable and range TLBI */
#define AV_ID_AA64ISAR0_RNDR     AV_GENMASK(63, 60) /**< random number registers */

#define AV_ID_AA64ISAR1_DPB      AV_GENMASK(3, 0)   /**< DC CVAP/CVADP */
#define AV_ID_AA64ISAR1_APA      AV_GENMASK(7, 4)   /**< address auth, QARMA5 */
#define AV_ID_AA64ISAR1_API      AV_GENMASK(11, 8)  /**< address auth, IMPDEF algorithm */
#define AV_ID_AA64ISAR1_JSCVT    AV_GENMASK(15, 12) /**< FJCVTZS */
#define AV_ID_AA64ISAR1_FCMA     AV_GENMASK(19, 16) /**< FCMLA/FCADD */
#define AV_ID_AA64ISAR1_LRCPC    AV_GENMASK(23, 20) /**< LDAPR family */
#define AV_ID_AA64ISAR1_GPA      AV_GENMASK(27, 24) /**< generic auth, QARMA5 */
#define AV_ID_AA64ISAR1_GPI      AV_GENMASK(31, 28) /**< generic auth, IMPDEF algorithm */
#define AV_ID_AA64ISAR1_FRINTTS  AV_GENMASK(35, 32) /**< FRINT32/64 */
#define AV_ID_AA64ISAR1_SB       AV_GENMASK(39, 36) /**< speculation barrier */
#define AV_ID_AA64ISAR1_SPECRES  AV_GENMASK(43, 40) /**< prediction restriction */
#define AV_ID_AA64ISAR1_BF16     AV_GENMASK(47, 44) /**< BFloat16 */
#define AV_ID_AA64ISAR1_DGH      AV_GENMASK(51, 48) /**< data gathering hint */
#define AV_ID_AA64ISAR1_I8MM     AV_GENMASK(55, 52) /**< int8 matrix multiply */
#define AV_ID_AA64ISAR1_XS       AV_GENMASK(59, 56) /**< XS attribute */
#define AV_ID_AA64ISAR1_LS64     AV_GENMASK(63, 60) /**< 64-byte loads/stores */

#define AV_ID_AA64ISAR2_WFXT     AV_GENMASK(3, 0)   /**< WFET/WFIT */
#define AV_ID_AA64ISAR2_RPRES    AV_GENMASK(7, 4)   /**< reciprocal estimate precision */
#define AV_ID_AA64ISAR2_GPA3     AV_GENMASK(11, 8)  /**< generic auth, QARMA3 */
#define AV_ID_AA64ISAR2_APA3     AV_GENMASK(15, 12) /**< address auth, QARMA3 */
#define AV_ID_AA64ISAR2_MOPS     AV_GENMASK(19, 16) /**< memcpy/memset instructions */
#define AV_ID_AA64ISAR2_BC       AV_GENMASK(23, 20) /**< BC.cond */
#define AV_ID_AA64ISAR2_PAC_FRAC AV_GENMASK(27, 24) /**< ConstPACField */
#define AV_ID_AA64ISAR2_CLRBHB   AV_GENMASK(31, 28) /**< CLRBHB */
#define AV_ID_AA64ISAR2_RPRFM    AV_GENMASK(51, 48) /**< RPRFM hint */
#define AV_ID_AA64ISAR2_CSSC     AV_GENMASK(55, 52) /**< common short sequence compression */

#define AV_ID_AA64MMFR0_PARANGE  AV_GENMASK(3, 0)   /**< physical address range */
#define AV_ID_AA64MMFR0_ASIDBITS AV_GENMASK(7, 4)   /**< 8 or 16 ASID bits */
#define AV_ID_AA64MMFR0_BIGEND   AV_GENMASK(11, 8)  /**< mixed-endian support */
#define AV_ID_AA64MMFR0_SNSMEM   AV_GENMASK(15, 12) /**< secure/non-secure memory */
#define AV_ID_AA64MMFR0_BIGENDEL0 AV_GENMASK(19, 16) /**< mixed-endian at EL0 */
#define AV_ID_AA64MMFR0_TGRAN16  AV_GENMASK(23, 20) /**< 16KB granule (0 = none) */
#define AV_ID_AA64MMFR0_TGRAN64  AV_GENMASK(27, 24) /**< 64KB granule (signed, 0xF = none) */
#define AV_ID_AA64MMFR0_TGRAN4   AV_GENMASK(31, 28) /**< 4KB granule (signed, 0xF = none) */
#define AV_ID_AA64MMFR0_TGRAN16_2 AV_GENMASK(35, 32) /**< 16KB granule at stage 2 */
#define AV_ID_AA64MMFR0_TGRAN64_2 AV_GENMASK(39, 36) /**< 64KB granule at stage 2 */
#define AV_ID_AA64MMFR0_TGRAN4_2 AV_GENMASK(43, 40) /**< 4KB granule at stage 2 */
#define AV_ID_AA64MMFR0_EXS      AV_GENMASK(47, 44) /**< non-context-synchronizing exc. */
#define AV_ID_AA64MMFR0_FGT      AV_GENMASK(59, 56) /**< fine-grained traps */
#define AV_ID_AA64MMFR0_ECV      AV_GENMASK(63, 60) /**< enhanced counter virtualization */

#define AV_ID_AA64MMFR1_HAFDBS   AV_GENMASK(3, 0)   /**< hardware AF/dirty management */
#define AV_ID_AA64MMFR1_VMIDBITS AV_GENMASK(7, 4)   /**< 8 or 16 VMID bits */
#define AV_ID_AA64MMFR1_VH       AV_GENMASK(11, 8)  /**< virtualization host extensions */
#define AV_ID_AA64MMFR1_HPDS     AV_GENMASK(15, 12) /**< hierarchical permission disables */
#define AV_ID_AA64MMFR1_LO       AV_GENMASK(19, 16) /**< limited ordering regions */
#define AV_ID_AA64MMFR1_PAN      AV_GENMASK(23, 20) /**< privileged access never */
#define AV_ID_AA64MMFR1_SPECSEI  AV_GENMASK(27, 24) /**< SError on speculative reads */
#define AV_ID_AA64MMFR1_XNX      AV_GENMASK(31, 28) /**< EL0/EL1 execute-never at stage 2 */
#define AV_ID_AA64MMFR1_TWED     AV_GENMASK(35, 32) /**< configurable WFE trap delay */
#define AV_ID_AA64MMFR1_ETS      AV_GENMASK(39, 36) /**< enhanced translation sync */
#define AV_ID_AA64MMFR1_HCX      AV_GENMASK(43, 40) /**< HCRX_EL2 */
#define AV_ID_AA64MMFR1_AFP      AV_GENMASK(47, 44) /**< alternate FP behaviour */
#define AV_ID_AA64MMFR1_NTLBPA   AV_GENMASK(51, 48) /**< TLB intermediate caching */
#define AV_ID_AA64MMFR1_TIDCP1   AV_GENMASK(55, 52) /**< EL0 IMPDEF trap */
#define AV_ID_AA64MMFR1_CMOW     AV_GENMASK(59, 56) /**< cache maintenance write perm */
#define AV_ID_AA64MMFR1_ECBHB    AV_GENMASK(63, 60) /**< branch history exploitation */

#define AV_ID_AA64MMFR2_CNP      AV_GENMASK(3, 0)   /**< common not private */
#define AV_ID_AA64MMFR2_UAO      AV_GENMASK(7, 4)   /**< user access override */
#define AV_ID_AA64MMFR2_LSM      AV_GENMASK(11, 8)  /**< LSMAOE/nTLSMD */
#define AV_ID_AA64MMFR2_IESB     AV_GENMASK(15, 12) /**< implicit error sync barrier */
#define AV_ID_AA64MMFR2_VARANGE  AV_GENMASK(19, 16) /**< 52-bit VA */
#define AV_ID_AA64MMFR2_CCIDX    AV_GENMASK(23, 20) /**< 64-bit CCSIDR format */
#define AV_ID_AA64MMFR2_NV       AV_GENMASK(27, 24) /**< nested virtualization */
#define AV_ID_AA64MMFR2_ST       AV_GENMASK(31, 28) /**< small translation tables */
#define AV_ID_AA64MMFR2_AT       AV_GENMASK(35, 32) /**< unaligned single-copy atomicity */
#define AV_ID_AA64MMFR2_IDS      AV_GENMASK(39, 36) /**< ID traps report EC 0x18 */
#define AV_ID_AA64MMFR2_FWB      AV_GENMASK(43, 40) /**< stage-2 forced write-back */
#define AV_ID_AA64MMFR2_TTL      AV_GENMASK(51, 48) /**< TLBI level hint */
#define AV_ID_AA64MMFR2_BBM      AV_GENMASK(55, 52) /**< break-before-make levels */
#define AV_ID_AA64MMFR2_EVT      AV_GENMASK(59, 56) /**< enhanced virtualization traps */
#define AV_ID_AA64MMFR2_E0PD     AV_GENMASK(63, 60) /**< E0PD0/E0PD1 */

#define AV_CTR_IMINLINE          AV_GENMASK(3, 0)   /**< log2 words of smallest I-line */
#define AV_CTR_L1IP              AV_GENMASK(15, 14) /**< L1 instruction cache policy */
#define AV_CTR_DMINLINE          AV_GENMASK(19, 16) /**< log2 words of smallest D-line */
#define AV_CTR_ERG               AV_GENMASK(23, 20) /**< exclusives reservation granule */
#define AV_CTR_CWG               AV_GENMASK(27, 24) /**< cache writeback granule */
#define AV_CTR_IDC               AV_GENMASK(28, 28) /**< D-clean to PoU not required */
#define AV_CTR_DIC               AV_GENMASK(29, 29) /**< I-invalidate to PoU not required */
#define AV_CTR_RES1              AV_GENMASK(31, 31) /**< RES1 */
#define AV_CTR_TMINLINE          AV_GENMASK(37, 32) /**< log2 words of smallest tag line */

/** How a field's values are ordered, i.e. which of two values is the safer one. */
enum av_idreg_kind {
	/** Unsigned; a lower value means fewer features and is safer (most fields). */
	AV_IDREG_LOWER_SAFE = 0,
	/** Signed two's-complement; lower is safer and 0xF (-1) ranks lowest. */
	AV_IDREG_SIGNED = 1,
	/** Unsigned; a higher value is the safer one. */
	AV_IDREG_HIGHER_SAFE = 2,
	/** Unsigned; higher is safer and 0 ("not reported", meaning the maximum) safest. */
	AV_IDREG_HIGHER_OR_ZERO_SAFE = 3,
	/** The two values must agree; if they do not, the field's `safe` value is used. */
	AV_IDREG_EXACT = 4,
	AV_IDREG_KIND_MAX
};

/** One field of an ID register. */
struct av_idreg_field {
	const char *name;        /**< architectural name, e.g. "PARange" */
	uint64_t mask;           /**< the bits (an AV_ID_* mask) */
	enum av_idreg_kind kind; /**< ordering rule */
	uint8_t safe;            /**< the "not implemented" value (av_idreg_hide()); for
				      AV_IDREG_EXACT also the value used on disagreement */
};

/** The field layout of one ID register. */
struct av_idreg_desc {
	uint32_t key;                        /**< the register */
	const char *name;                    /**< its name */
	const struct av_idreg_field *fields; /**< its fields, low bits first */
	size_t nfields;                      /**< number of fields */
	uint64_t res1;                       /**< RES1 bits, always set in a result */
};

/**
 * The built-in ID-register layouts (ID_AA64PFR0/1, ZFR0, DFR0, ISAR0/1/2, MMFR0/1/2,
 * CTR_EL0), sorted in encoding order.
 * @param[out] n  number of entries (may be NULL)
 * @return the table
 */
const struct av_idreg_desc *av_idreg_table(size_t *n);

/**
 * Check the built-in layouts: sorted unique keys; per register, fields non-empty,
 * at most 8 bits wide, non-overlapping, disjoint from `res1`, `safe` fitting the field,
 * a valid kind. Logs the first problem with av_err().
 * @return 0, -AV_EINVAL or -AV_EEXIST
 */
int av_idreg_table_check(void);

/**
 * The layout of ID register @p key, or NULL when there is none.
 * @param key the register's key
 * @return the layout, or NULL
 */
const struct av_idreg_desc *av_idreg_find(uint32_t key);

/**
 * The field named @p name (case-insensitive) of @p d, or NULL.
 * @param d the ID register layout
 * @param name field name (case-insensitive)
 * @return the field, or NULL
 */
const struct av_idreg_field *av_idreg_field_find(const struct av_idreg_desc *d,
						 const char *name);

/**
 * The safer of two values of field @p f (both right-aligned) under the field's rule.
 * @param f the field
 * @param a one value
 * @param b the other value
 * @return the safer value
 */
uint64_t av_idreg_field_safer(const struct av_idreg_field *f, uint64_t a, uint64_t b);

/**
 * The value a guest sees for ID register @p key: each field is the safer of the
 * host's and the VM limit's value; bits outside every field read as 0 except RES1 bits.
 *
 * A limit equal to @p host leaves every field at the host's value; to hide or lower a
 * feature, edit the limit with av_idreg_hide() or av_idreg_set().
 *
 * @param key        the register (must have a layout, av_idreg_find())
 * @param host       the host's (hardware's) value
 * @param limit      the most the VM may see
 * @param[out] out   the guest's value
 * @return 0, or -AV_ENOENT when there is no layout for @p key, -AV_EINVAL for NULL @p out
 */
int av_idreg_sanitise(uint32_t key, uint64_t host, uint64_t limit, uint64_t *out);

/**
 * Set field @p field of @p *val (a value of ID register @p key) to @p v.
 * @param key the ID register's key
 * @param field field name (case-insensitive)
 * @param v the new field value
 * @param val the register value to change
 * @return 0, -AV_ENOENT (unknown register or field), -AV_ERANGE (@p v does not fit)
 */
int av_idreg_set(uint32_t key, const char *field, uint64_t v, uint64_t *val);

/**
 * Set field @p field of @p *val to its "not implemented" value, the field's `safe`:
 * 0 for most fields, 0xF for signed ones such as ID_AA64PFR0_EL1.FP, 1 (AArch64 only)
 * for ID_AA64PFR0_EL1.EL0/EL1, 1 for the TGran*_2 fields.
 * @param key the ID register's key
 * @param field field name (case-insensitive)
 * @param val the register value to change
 * @return 0 or -AV_ENOENT
 */
int av_idreg_hide(uint32_t key, const char *field, uint64_t *val);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_SYSREG_H */
