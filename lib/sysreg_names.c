/* SPDX-License-Identifier: MIT */
/*
 * The system register name table: key <-> name, and key formatting.
 *
 * Rows are in encoding order (op0, op1, CRn, CRm, op2; see av_sysreg_key_order()) so a
 * key is found by binary search; av_sysreg_names_check() verifies the order, and the
 * uniqueness of keys and names, at test time. Register families indexed by a number
 * (DBGBVR<n>_EL1, PMEVCNTR<n>_EL0, ICH_LR<n>_EL2, ...) are expanded into one row per
 * register by the small macros below, so every name is a plain static string.
 *
 * Encodings are from the Arm ARM (DDI 0487) register descriptions; an unlisted key is
 * still printable in the generic S<op0>_<op1>_C<n>_C<m>_<op2> form.
 */
#include <armvirt/log.h>
#include <armvirt/sysreg.h>

#include "compat.h"

#define R(op0, op1, crn, crm, op2, nm) { AV_SYSREG(op0, op1, crn, crm, op2), nm }

/* Debug breakpoint and watchpoint registers <n>: S2_0_C0_C<n>_{4,5,6,7}. */
#define DBG_BW(n)                                   \
	R(2, 0, 0, n, 4, "DBGBVR" #n "_EL1"),       \
	R(2, 0, 0, n, 5, "DBGBCR" #n "_EL1"),       \
	R(2, 0, 0, n, 6, "DBGWVR" #n "_EL1"),       \
	R(2, 0, 0, n, 7, "DBGWCR" #n "_EL1")

/*
 * NOLINTBEGIN(bugprone-macro-parentheses): pre and suf are string literals pasted around a
 * number; parentheses would break the concatenation.
 */
/* Eight consecutive family members <b>..<b+7> at CRm, op2 = 0..7. */
#define FAM8(op0, op1, crn, crm, pre, suf, n0, n1, n2, n3, n4, n5, n6, n7) \
	R(op0, op1, crn, crm, 0, pre #n0 suf), R(op0, op1, crn, crm, 1, pre #n1 suf), \
	R(op0, op1, crn, crm, 2, pre #n2 suf), R(op0, op1, crn, crm, 3, pre #n3 suf), \
	R(op0, op1, crn, crm, 4, pre #n4 suf), R(op0, op1, crn, crm, 5, pre #n5 suf), \
	R(op0, op1, crn, crm, 6, pre #n6 suf), R(op0, op1, crn, crm, 7, pre #n7 suf)

/* Seven members at CRm, op2 = 0..6 (the last group of a 31-member PMU family). */
#define FAM7(op0, op1, crn, crm, pre, suf, n0, n1, n2, n3, n4, n5, n6) \
	R(op0, op1, crn, crm, 0, pre #n0 suf), R(op0, op1, crn, crm, 1, pre #n1 suf), \
	R(op0, op1, crn, crm, 2, pre #n2 suf), R(op0, op1, crn, crm, 3, pre #n3 suf), \
	R(op0, op1, crn, crm, 4, pre #n4 suf), R(op0, op1, crn, crm, 5, pre #n5 suf), \
	R(op0, op1, crn, crm, 6, pre #n6 suf)

/* Four members at CRm, op2 = base..base+3. */
#define FAM4(op0, op1, crn, crm, base, pre, suf)                          \
	R(op0, op1, crn, crm, (base) + 0, pre "0" suf),                   \
	R(op0, op1, crn, crm, (base) + 1, pre "1" suf),                   \
	R(op0, op1, crn, crm, (base) + 2, pre "2" suf),                   \
	R(op0, op1, crn, crm, (base) + 3, pre "3" suf)

/* The timer triple TVAL, CTL, CVAL at CRm, op2 = 0..2. */
#define TIMER(op1, crm, pre, suf)                         \
	R(3, op1, 14, crm, 0, pre "_TVAL" suf),           \
	R(3, op1, 14, crm, 1, pre "_CTL" suf),            \
	R(3, op1, 14, crm, 2, pre "_CVAL" suf)
/* NOLINTEND(bugprone-macro-parentheses) */

static const struct av_sysreg_name names[] = {
	/* op0 = 2: debug. */
	R(2, 0, 0, 0, 2, "OSDTRRX_EL1"),
	DBG_BW(0),
	DBG_BW(1),
	R(2, 0, 0, 2, 0, "MDCCINT_EL1"),
	R(2, 0, 0, 2, 2, "MDSCR_EL1"),
	DBG_BW(2),
	R(2, 0, 0, 3, 2, "OSDTRTX_EL1"),
	DBG_BW(3),
	DBG_BW(4),
	DBG_BW(5),
	R(2, 0, 0, 6, 2, "OSECCR_EL1"),
	DBG_BW(6),
	DBG_BW(7),
	DBG_BW(8),
	DBG_BW(9),
	DBG_BW(10),
	DBG_BW(11),
	DBG_BW(12),
	DBG_BW(13),
	DBG_BW(14),
	DBG_BW(15),
	R(2, 0, 1, 0, 0, "MDRAR_EL1"),
	R(2, 0, 1, 0, 4, "OSLAR_EL1"),
	R(2, 0, 1, 1, 4, "OSLSR_EL1"),
	R(2, 0, 1, 3, 4, "OSDLR_EL1"),
	R(2, 0, 1, 4, 4, "DBGPRCR_EL1"),
	R(2, 0, 7, 8, 6, "DBGCLAIMSET_EL1"),
	R(2, 0, 7, 9, 6, "DBGCLAIMCLR_EL1"),
	R(2, 0, 7, 14, 6, "DBGAUTHSTATUS_EL1"),
	R(2, 3, 0, 1, 0, "MDCCSR_EL0"),
	R(2, 3, 0, 4, 0, "DBGDTR_EL0"),
	R(2, 3, 0, 5, 0, "DBGDTRRX_EL0"), /* DBGDTRTX_EL0 when written */
	R(2, 4, 0, 7, 0, "DBGVCR32_EL2"),

	/* op0 = 3, op1 = 0: identification. */
	R(3, 0, 0, 0, 0, "MIDR_EL1"),
	R(3, 0, 0, 0, 5, "MPIDR_EL1"),
	R(3, 0, 0, 0, 6, "REVIDR_EL1"),
	R(3, 0, 0, 1, 0, "ID_PFR0_EL1"),
	R(3, 0, 0, 1, 1, "ID_PFR1_EL1"),
	R(3, 0, 0, 1, 2, "ID_DFR0_EL1"),
	R(3, 0, 0, 1, 3, "ID_AFR0_EL1"),
	R(3, 0, 0, 1, 4, "ID_MMFR0_EL1"),
	R(3, 0, 0, 1, 5, "ID_MMFR1_EL1"),
	R(3, 0, 0, 1, 6, "ID_MMFR2_EL1"),
	R(3, 0, 0, 1, 7, "ID_MMFR3_EL1"),
	R(3, 0, 0, 2, 0, "ID_ISAR0_EL1"),
	R(3, 0, 0, 2, 1, "ID_ISAR1_EL1"),
	R(3, 0, 0, 2, 2, "ID_ISAR2_EL1"),
	R(3, 0, 0, 2, 3, "ID_ISAR3_EL1"),
	R(3, 0, 0, 2, 4, "ID_ISAR4_EL1"),
	R(3, 0, 0, 2, 5, "ID_ISAR5_EL1"),
	R(3, 0, 0, 2, 6, "ID_MMFR4_EL1"),
	R(3, 0, 0, 2, 7, "ID_ISAR6_EL1"),
	R(3, 0, 0, 3, 0, "MVFR0_EL1"),
	R(3, 0, 0, 3, 1, "MVFR1_EL1"),
	R(3, 0, 0, 3, 2, "MVFR2_EL1"),
	R(3, 0, 0, 3, 4, "ID_PFR2_EL1"),
	R(3, 0, 0, 3, 5, "ID_DFR1_EL1"),
	R(3, 0, 0, 3, 6, "ID_MMFR5_EL1"),
	R(3, 0, 0, 4, 0, "ID_AA64PFR0_EL1"),
	R(3, 0, 0, 4, 1, "ID_AA64PFR1_EL1"),
	R(3, 0, 0, 4, 2, "ID_AA64PFR2_EL1"),
	R(3, 0, 0, 4, 4, "ID_AA64ZFR0_EL1"),
	R(3, 0, 0, 4, 5, "ID_AA64SMFR0_EL1"),
	R(3, 0, 0, 4, 7, "ID_AA64FPFR0_EL1"),
	R(3, 0, 0, 5, 0, "ID_AA64DFR0_EL1"),
	R(3, 0, 0, 5, 1, "ID_AA64DFR1_EL1"),
	R(3, 0, 0, 5, 2, "ID_AA64DFR2_EL1"),
	R(3, 0, 0, 5, 4, "ID_AA64AFR0_EL1"),
	R(3, 0, 0, 5, 5, "ID_AA64AFR1_EL1"),
	R(3, 0, 0, 6, 0, "ID_AA64ISAR0_EL1"),
	R(3, 0, 0, 6, 1, "ID_AA64ISAR1_EL1"),
	R(3, 0, 0, 6, 2, "ID_AA64ISAR2_EL1"),
	R(3, 0, 0, 6, 3, "ID_AA64ISAR3_EL1"),
	R(3, 0, 0, 7, 0, "ID_AA64MMFR0_EL1"),
	R(3, 0, 0, 7, 1, "ID_AA64MMFR1_EL1"),
	R(3, 0, 0, 7, 2, "ID_AA64MMFR2_EL1"),
	R(3, 0, 0, 7, 3, "ID_AA64MMFR3_EL1"),
	R(3, 0, 0, 7, 4, "ID_AA64MMFR4_EL1"),

	/* op0 = 3, op1 = 0: EL1 state. */
	R(3, 0, 1, 0, 0, "SCTLR_EL1"),
	R(3, 0, 1, 0, 1, "ACTLR_EL1"),
	R(3, 0, 1, 0, 2, "CPACR_EL1"),
	R(3, 0, 1, 0, 3, "SCTLR2_EL1"),
	R(3, 0, 1, 0, 5, "RGSR_EL1"),
	R(3, 0, 1, 0, 6, "GCR_EL1"),
	R(3, 0, 1, 2, 0, "ZCR_EL1"),
	R(3, 0, 1, 2, 1, "TRFCR_EL1"),
	R(3, 0, 1, 2, 4, "SMPRI_EL1"),
	R(3, 0, 1, 2, 6, "SMCR_EL1"),
	R(3, 0, 2, 0, 0, "TTBR0_EL1"),
	R(3, 0, 2, 0, 1, "TTBR1_EL1"),
	R(3, 0, 2, 0, 2, "TCR_EL1"),
	R(3, 0, 2, 0, 3, "TCR2_EL1"),
	R(3, 0, 2, 1, 0, "APIAKeyLo_EL1"),
	R(3, 0, 2, 1, 1, "APIAKeyHi_EL1"),
	R(3, 0, 2, 1, 2, "APIBKeyLo_EL1"),
	R(3, 0, 2, 1, 3, "APIBKeyHi_EL1"),
	R(3, 0, 2, 2, 0, "APDAKeyLo_EL1"),
	R(3, 0, 2, 2, 1, "APDAKeyHi_EL1"),
	R(3, 0, 2, 2, 2, "APDBKeyLo_EL1"),
	R(3, 0, 2, 2, 3, "APDBKeyHi_EL1"),
	R(3, 0, 2, 3, 0, "APGAKeyLo_EL1"),
	R(3, 0, 2, 3, 1, "APGAKeyHi_EL1"),
	R(3, 0, 2, 5, 0, "GCSCR_EL1"),
	R(3, 0, 2, 5, 1, "GCSPR_EL1"),
	R(3, 0, 2, 5, 2, "GCSCRE0_EL1"),
	R(3, 0, 4, 0, 0, "SPSR_EL1"),
	R(3, 0, 4, 0, 1, "ELR_EL1"),
	R(3, 0, 4, 1, 0, "SP_EL0"),
	R(3, 0, 4, 2, 0, "SPSel"),
	R(3, 0, 4, 2, 2, "CurrentEL"),
	R(3, 0, 4, 2, 3, "PAN"),
	R(3, 0, 4, 2, 4, "UAO"),
	R(3, 0, 4, 3, 0, "ALLINT"),
	R(3, 0, 4, 6, 0, "ICC_PMR_EL1"),
	R(3, 0, 5, 1, 0, "AFSR0_EL1"),
	R(3, 0, 5, 1, 1, "AFSR1_EL1"),
	R(3, 0, 5, 2, 0, "ESR_EL1"),
	R(3, 0, 5, 3, 0, "ERRIDR_EL1"),
	R(3, 0, 5, 3, 1, "ERRSELR_EL1"),
	R(3, 0, 5, 4, 0, "ERXFR_EL1"),
	R(3, 0, 5, 4, 1, "ERXCTLR_EL1"),
	R(3, 0, 5, 4, 2, "ERXSTATUS_EL1"),
	R(3, 0, 5, 4, 3, "ERXADDR_EL1"),
	R(3, 0, 5, 5, 0, "ERXMISC0_EL1"),
	R(3, 0, 5, 5, 1, "ERXMISC1_EL1"),
	R(3, 0, 5, 6, 0, "TFSR_EL1"),
	R(3, 0, 5, 6, 1, "TFSRE0_EL1"),
	R(3, 0, 6, 0, 0, "FAR_EL1"),
	R(3, 0, 7, 4, 0, "PAR_EL1"),
	R(3, 0, 9, 9, 0, "PMSCR_EL1"),
	R(3, 0, 9, 9, 1, "PMSNEVFR_EL1"),
	R(3, 0, 9, 9, 2, "PMSICR_EL1"),
	R(3, 0, 9, 9, 3, "PMSIRR_EL1"),
	R(3, 0, 9, 9, 4, "PMSFCR_EL1"),
	R(3, 0, 9, 9, 5, "PMSEVFR_EL1"),
	R(3, 0, 9, 9, 6, "PMSLATFR_EL1"),
	R(3, 0, 9, 9, 7, "PMSIDR_EL1"),
	R(3, 0, 9, 10, 0, "PMBLIMITR_EL1"),
	R(3, 0, 9, 10, 1, "PMBPTR_EL1"),
	R(3, 0, 9, 10, 3, "PMBSR_EL1"),
	R(3, 0, 9, 10, 7, "PMBIDR_EL1"),
	R(3, 0, 9, 14, 1, "PMINTENSET_EL1"),
	R(3, 0, 9, 14, 2, "PMINTENCLR_EL1"),
	R(3, 0, 9, 14, 6, "PMMIR_EL1"),
	R(3, 0, 10, 2, 0, "MAIR_EL1"),
	R(3, 0, 10, 3, 0, "AMAIR_EL1"),
	R(3, 0, 10, 4, 0, "LORSA_EL1"),
	R(3, 0, 10, 4, 1, "LOREA_EL1"),
	R(3, 0, 10, 4, 2, "LORN_EL1"),
	R(3, 0, 10, 4, 3, "LORC_EL1"),
	R(3, 0, 10, 4, 4, "MPAMIDR_EL1"),
	R(3, 0, 10, 4, 7, "LORID_EL1"),
	R(3, 0, 10, 5, 0, "MPAM1_EL1"),
	R(3, 0, 10, 5, 1, "MPAM0_EL1"),
	R(3, 0, 12, 0, 0, "VBAR_EL1"),
	R(3, 0, 12, 0, 1, "RVBAR_EL1"),
	R(3, 0, 12, 0, 2, "RMR_EL1"),
	R(3, 0, 12, 1, 0, "ISR_EL1"),
	R(3, 0, 12, 1, 1, "DISR_EL1"),
	R(3, 0, 12, 8, 0, "ICC_IAR0_EL1"),
	R(3, 0, 12, 8, 1, "ICC_EOIR0_EL1"),
	R(3, 0, 12, 8, 2, "ICC_HPPIR0_EL1"),
	R(3, 0, 12, 8, 3, "ICC_BPR0_EL1"),
	FAM4(3, 0, 12, 8, 4, "ICC_AP0R", "_EL1"),
	FAM4(3, 0, 12, 9, 0, "ICC_AP1R", "_EL1"),
	R(3, 0, 12, 11, 1, "ICC_DIR_EL1"),
	R(3, 0, 12, 11, 3, "ICC_RPR_EL1"),
	R(3, 0, 12, 11, 5, "ICC_SGI1R_EL1"),
	R(3, 0, 12, 11, 6, "ICC_ASGI1R_EL1"),
	R(3, 0, 12, 11, 7, "ICC_SGI0R_EL1"),
	R(3, 0, 12, 12, 0, "ICC_IAR1_EL1"),
	R(3, 0, 12, 12, 1, "ICC_EOIR1_EL1"),
	R(3, 0, 12, 12, 2, "ICC_HPPIR1_EL1"),
	R(3, 0, 12, 12, 3, "ICC_BPR1_EL1"),
	R(3, 0, 12, 12, 4, "ICC_CTLR_EL1"),
	R(3, 0, 12, 12, 5, "ICC_SRE_EL1"),
	R(3, 0, 12, 12, 6, "ICC_IGRPEN0_EL1"),
	R(3, 0, 12, 12, 7, "ICC_IGRPEN1_EL1"),
	R(3, 0, 13, 0, 1, "CONTEXTIDR_EL1"),
	R(3, 0, 13, 0, 4, "TPIDR_EL1"),
	R(3, 0, 13, 0, 5, "ACCDATA_EL1"),
	R(3, 0, 13, 0, 7, "SCXTNUM_EL1"),
	R(3, 0, 14, 1, 0, "CNTKCTL_EL1"),

	/* op1 = 1, 2: cache identification and selection. */
	R(3, 1, 0, 0, 0, "CCSIDR_EL1"),
	R(3, 1, 0, 0, 1, "CLIDR_EL1"),
	R(3, 1, 0, 0, 2, "CCSIDR2_EL1"),
	R(3, 1, 0, 0, 4, "GMID_EL1"),
	R(3, 1, 0, 0, 6, "SMIDR_EL1"),
	R(3, 1, 0, 0, 7, "AIDR_EL1"),
	R(3, 2, 0, 0, 0, "CSSELR_EL1"),

	/* op1 = 3: EL0-accessible. */
	R(3, 3, 0, 0, 1, "CTR_EL0"),
	R(3, 3, 0, 0, 7, "DCZID_EL0"),
	R(3, 3, 2, 4, 0, "RNDR"),
	R(3, 3, 2, 4, 1, "RNDRRS"),
	R(3, 3, 2, 5, 1, "GCSPR_EL0"),
	R(3, 3, 4, 2, 0, "NZCV"),
	R(3, 3, 4, 2, 1, "DAIF"),
	R(3, 3, 4, 2, 2, "SVCR"),
	R(3, 3, 4, 2, 5, "DIT"),
	R(3, 3, 4, 2, 6, "SSBS"),
	R(3, 3, 4, 2, 7, "TCO"),
	R(3, 3, 4, 4, 0, "FPCR"),
	R(3, 3, 4, 4, 1, "FPSR"),
	R(3, 3, 4, 5, 0, "DSPSR_EL0"),
	R(3, 3, 4, 5, 1, "DLR_EL0"),
	R(3, 3, 9, 12, 0, "PMCR_EL0"),
	R(3, 3, 9, 12, 1, "PMCNTENSET_EL0"),
	R(3, 3, 9, 12, 2, "PMCNTENCLR_EL0"),
	R(3, 3, 9, 12, 3, "PMOVSCLR_EL0"),
	R(3, 3, 9, 12, 4, "PMSWINC_EL0"),
	R(3, 3, 9, 12, 5, "PMSELR_EL0"),
	R(3, 3, 9, 12, 6, "PMCEID0_EL0"),
	R(3, 3, 9, 12, 7, "PMCEID1_EL0"),
	R(3, 3, 9, 13, 0, "PMCCNTR_EL0"),
	R(3, 3, 9, 13, 1, "PMXEVTYPER_EL0"),
	R(3, 3, 9, 13, 2, "PMXEVCNTR_EL0"),
	R(3, 3, 9, 14, 0, "PMUSERENR_EL0"),
	R(3, 3, 9, 14, 3, "PMOVSSET_EL0"),
	R(3, 3, 13, 0, 2, "TPIDR_EL0"),
	R(3, 3, 13, 0, 3, "TPIDRRO_EL0"),
	R(3, 3, 13, 0, 5, "TPIDR2_EL0"),
	R(3, 3, 13, 0, 7, "SCXTNUM_EL0"),
	R(3, 3, 13, 2, 0, "AMCR_EL0"),
	R(3, 3, 13, 2, 1, "AMCFGR_EL0"),
	R(3, 3, 13, 2, 2, "AMCGCR_EL0"),
	R(3, 3, 13, 2, 3, "AMUSERENR_EL0"),
	R(3, 3, 13, 2, 4, "AMCNTENCLR0_EL0"),
	R(3, 3, 13, 2, 5, "AMCNTENSET0_EL0"),
	R(3, 3, 13, 3, 0, "AMCNTENCLR1_EL0"),
	R(3, 3, 13, 3, 1, "AMCNTENSET1_EL0"),
	R(3, 3, 14, 0, 0, "CNTFRQ_EL0"),
	R(3, 3, 14, 0, 1, "CNTPCT_EL0"),
	R(3, 3, 14, 0, 2, "CNTVCT_EL0"),
	R(3, 3, 14, 0, 5, "CNTPCTSS_EL0"),
	R(3, 3, 14, 0, 6, "CNTVCTSS_EL0"),
	TIMER(3, 2, "CNTP", "_EL0"),
	TIMER(3, 3, "CNTV", "_EL0"),
	FAM8(3, 3, 14, 8, "PMEVCNTR", "_EL0", 0, 1, 2, 3, 4, 5, 6, 7),
	FAM8(3, 3, 14, 9, "PMEVCNTR", "_EL0", 8, 9, 10, 11, 12, 13, 14, 15),
	FAM8(3, 3, 14, 10, "PMEVCNTR", "_EL0", 16, 17, 18, 19, 20, 21, 22, 23),
	FAM7(3, 3, 14, 11, "PMEVCNTR", "_EL0", 24, 25, 26, 27, 28, 29, 30),
	FAM8(3, 3, 14, 12, "PMEVTYPER", "_EL0", 0, 1, 2, 3, 4, 5, 6, 7),
	FAM8(3, 3, 14, 13, "PMEVTYPER", "_EL0", 8, 9, 10, 11, 12, 13, 14, 15),
	FAM8(3, 3, 14, 14, "PMEVTYPER", "_EL0", 16, 17, 18, 19, 20, 21, 22, 23),
	FAM7(3, 3, 14, 15, "PMEVTYPER", "_EL0", 24, 25, 26, 27, 28, 29, 30),
	R(3, 3, 14, 15, 7, "PMCCFILTR_EL0"),

	/* op1 = 4: EL2. */
	R(3, 4, 0, 0, 0, "VPIDR_EL2"),
	R(3, 4, 0, 0, 5, "VMPIDR_EL2"),
	R(3, 4, 1, 0, 0, "SCTLR_EL2"),
	R(3, 4, 1, 0, 1, "ACTLR_EL2"),
	R(3, 4, 1, 1, 0, "HCR_EL2"),
	R(3, 4, 1, 1, 1, "MDCR_EL2"),
	R(3, 4, 1, 1, 2, "CPTR_EL2"),
	R(3, 4, 1, 1, 3, "HSTR_EL2"),
	R(3, 4, 1, 1, 4, "HFGRTR_EL2"),
	R(3, 4, 1, 1, 5, "HFGWTR_EL2"),
	R(3, 4, 1, 1, 6, "HFGITR_EL2"),
	R(3, 4, 1, 1, 7, "HACR_EL2"),
	R(3, 4, 1, 2, 0, "ZCR_EL2"),
	R(3, 4, 1, 2, 1, "TRFCR_EL2"),
	R(3, 4, 1, 2, 2, "HCRX_EL2"),
	R(3, 4, 1, 2, 5, "SMPRIMAP_EL2"),
	R(3, 4, 1, 2, 6, "SMCR_EL2"),
	R(3, 4, 1, 3, 1, "SDER32_EL2"),
	R(3, 4, 2, 0, 0, "TTBR0_EL2"),
	R(3, 4, 2, 0, 1, "TTBR1_EL2"),
	R(3, 4, 2, 0, 2, "TCR_EL2"),
	R(3, 4, 2, 1, 0, "VTTBR_EL2"),
	R(3, 4, 2, 1, 2, "VTCR_EL2"),
	R(3, 4, 2, 2, 0, "VNCR_EL2"),
	R(3, 4, 2, 6, 0, "VSTTBR_EL2"),
	R(3, 4, 2, 6, 2, "VSTCR_EL2"),
	R(3, 4, 3, 0, 0, "DACR32_EL2"),
	R(3, 4, 3, 1, 4, "HDFGRTR_EL2"),
	R(3, 4, 3, 1, 5, "HDFGWTR_EL2"),
	R(3, 4, 3, 1, 6, "HAFGRTR_EL2"),
	R(3, 4, 4, 0, 0, "SPSR_EL2"),
	R(3, 4, 4, 0, 1, "ELR_EL2"),
	R(3, 4, 4, 1, 0, "SP_EL1"),
	R(3, 4, 4, 3, 0, "SPSR_irq"),
	R(3, 4, 4, 3, 1, "SPSR_abt"),
	R(3, 4, 4, 3, 2, "SPSR_und"),
	R(3, 4, 4, 3, 3, "SPSR_fiq"),
	R(3, 4, 5, 0, 1, "IFSR32_EL2"),
	R(3, 4, 5, 1, 0, "AFSR0_EL2"),
	R(3, 4, 5, 1, 1, "AFSR1_EL2"),
	R(3, 4, 5, 2, 0, "ESR_EL2"),
	R(3, 4, 5, 2, 3, "VSESR_EL2"),
	R(3, 4, 5, 3, 0, "FPEXC32_EL2"),
	R(3, 4, 5, 6, 0, "TFSR_EL2"),
	R(3, 4, 6, 0, 0, "FAR_EL2"),
	R(3, 4, 6, 0, 4, "HPFAR_EL2"),
	R(3, 4, 9, 9, 0, "PMSCR_EL2"),
	R(3, 4, 10, 2, 0, "MAIR_EL2"),
	R(3, 4, 10, 3, 0, "AMAIR_EL2"),
	R(3, 4, 10, 4, 0, "MPAMHCR_EL2"),
	R(3, 4, 10, 4, 1, "MPAMVPMV_EL2"),
	R(3, 4, 10, 5, 0, "MPAM2_EL2"),
	R(3, 4, 12, 0, 0, "VBAR_EL2"),
	R(3, 4, 12, 0, 1, "RVBAR_EL2"),
	R(3, 4, 12, 0, 2, "RMR_EL2"),
	R(3, 4, 12, 1, 1, "VDISR_EL2"),
	FAM4(3, 4, 12, 8, 0, "ICH_AP0R", "_EL2"),
	FAM4(3, 4, 12, 9, 0, "ICH_AP1R", "_EL2"),
	R(3, 4, 12, 9, 5, "ICC_SRE_EL2"),
	R(3, 4, 12, 11, 0, "ICH_HCR_EL2"),
	R(3, 4, 12, 11, 1, "ICH_VTR_EL2"),
	R(3, 4, 12, 11, 2, "ICH_MISR_EL2"),
	R(3, 4, 12, 11, 3, "ICH_EISR_EL2"),
	R(3, 4, 12, 11, 5, "ICH_ELRSR_EL2"),
	R(3, 4, 12, 11, 7, "ICH_VMCR_EL2"),
	FAM8(3, 4, 12, 12, "ICH_LR", "_EL2", 0, 1, 2, 3, 4, 5, 6, 7),
	FAM8(3, 4, 12, 13, "ICH_LR", "_EL2", 8, 9, 10, 11, 12, 13, 14, 15),
	R(3, 4, 13, 0, 1, "CONTEXTIDR_EL2"),
	R(3, 4, 13, 0, 2, "TPIDR_EL2"),
	R(3, 4, 13, 0, 7, "SCXTNUM_EL2"),
	R(3, 4, 14, 0, 3, "CNTVOFF_EL2"),
	R(3, 4, 14, 0, 6, "CNTPOFF_EL2"),
	R(3, 4, 14, 1, 0, "CNTHCTL_EL2"),
	TIMER(4, 2, "CNTHP", "_EL2"),
	TIMER(4, 3, "CNTHV", "_EL2"),
	TIMER(4, 4, "CNTHVS", "_EL2"),
	TIMER(4, 5, "CNTHPS", "_EL2"),

	/* op1 = 5: EL1/EL0 registers reached from EL2 with HCR_EL2.E2H = 1. */
	R(3, 5, 1, 0, 0, "SCTLR_EL12"),
	R(3, 5, 1, 0, 2, "CPACR_EL12"),
	R(3, 5, 1, 2, 0, "ZCR_EL12"),
	R(3, 5, 1, 2, 1, "TRFCR_EL12"),
	R(3, 5, 1, 2, 6, "SMCR_EL12"),
	R(3, 5, 2, 0, 0, "TTBR0_EL12"),
	R(3, 5, 2, 0, 1, "TTBR1_EL12"),
	R(3, 5, 2, 0, 2, "TCR_EL12"),
	R(3, 5, 4, 0, 0, "SPSR_EL12"),
	R(3, 5, 4, 0, 1, "ELR_EL12"),
	R(3, 5, 5, 1, 0, "AFSR0_EL12"),
	R(3, 5, 5, 1, 1, "AFSR1_EL12"),
	R(3, 5, 5, 2, 0, "ESR_EL12"),
	R(3, 5, 5, 6, 0, "TFSR_EL12"),
	R(3, 5, 6, 0, 0, "FAR_EL12"),
	R(3, 5, 9, 9, 0, "PMSCR_EL12"),
	R(3, 5, 10, 2, 0, "MAIR_EL12"),
	R(3, 5, 10, 3, 0, "AMAIR_EL12"),
	R(3, 5, 10, 5, 0, "MPAM1_EL12"),
	R(3, 5, 12, 0, 0, "VBAR_EL12"),
	R(3, 5, 13, 0, 1, "CONTEXTIDR_EL12"),
	R(3, 5, 13, 0, 7, "SCXTNUM_EL12"),
	R(3, 5, 14, 1, 0, "CNTKCTL_EL12"),
	TIMER(5, 2, "CNTP", "_EL02"),
	TIMER(5, 3, "CNTV", "_EL02"),

	/* op1 = 6: EL3. */
	R(3, 6, 1, 0, 0, "SCTLR_EL3"),
	R(3, 6, 1, 0, 1, "ACTLR_EL3"),
	R(3, 6, 1, 1, 0, "SCR_EL3"),
	R(3, 6, 1, 1, 1, "SDER32_EL3"),
	R(3, 6, 1, 1, 2, "CPTR_EL3"),
	R(3, 6, 1, 2, 0, "ZCR_EL3"),
	R(3, 6, 1, 2, 6, "SMCR_EL3"),
	R(3, 6, 1, 3, 1, "MDCR_EL3"),
	R(3, 6, 2, 0, 0, "TTBR0_EL3"),
	R(3, 6, 2, 0, 2, "TCR_EL3"),
	R(3, 6, 4, 0, 0, "SPSR_EL3"),
	R(3, 6, 4, 0, 1, "ELR_EL3"),
	R(3, 6, 4, 1, 0, "SP_EL2"),
	R(3, 6, 5, 1, 0, "AFSR0_EL3"),
	R(3, 6, 5, 1, 1, "AFSR1_EL3"),
	R(3, 6, 5, 2, 0, "ESR_EL3"),
	R(3, 6, 6, 0, 0, "FAR_EL3"),
	R(3, 6, 10, 2, 0, "MAIR_EL3"),
	R(3, 6, 10, 3, 0, "AMAIR_EL3"),
	R(3, 6, 12, 0, 0, "VBAR_EL3"),
	R(3, 6, 12, 0, 1, "RVBAR_EL3"),
	R(3, 6, 12, 0, 2, "RMR_EL3"),
	R(3, 6, 12, 12, 4, "ICC_CTLR_EL3"),
	R(3, 6, 12, 12, 5, "ICC_SRE_EL3"),
	R(3, 6, 12, 12, 7, "ICC_IGRPEN1_EL3"),
	R(3, 6, 13, 0, 2, "TPIDR_EL3"),

	/* op1 = 7: secure physical timer. */
	TIMER(7, 2, "CNTPS", "_EL1"),
};

/* Second names of keys that already have a row (name -> key only). */
static const struct av_sysreg_name aliases[] = {
	R(2, 3, 0, 5, 0, "DBGDTRTX_EL0"),
};

const struct av_sysreg_name *av_sysreg_name_table(size_t *n)
{
	if (n)
		*n = AV_ARRAY_SIZE(names);
	return names;
}

static char lower(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	return c;
}

static bool name_eq(const char *a, const char *b)
{
	while (*a && lower(*a) == lower(*b)) {
		a++;
		b++;
	}
	return lower(*a) == lower(*b);
}

int av_sysreg_names_check(void)
{
	for (size_t i = 0; i < AV_ARRAY_SIZE(names); i++) {
		const struct av_sysreg_name *r = &names[i];

		if (!r->name || !r->name[0] || (r->key & ~(uint32_t)AV_SYSREG_KEY_MASK)) {
			av_err("sysreg: name table row %zu is malformed", i);
			return -AV_EINVAL;
		}
		if (i > 0) {
			uint32_t prev = av_sysreg_key_order(names[i - 1].key);
			uint32_t cur = av_sysreg_key_order(r->key);

			if (cur == prev) {
				av_err("sysreg: name table: %s and %s share a key",
				       names[i - 1].name, r->name);
				return -AV_EEXIST;
			}
			if (cur < prev) {
				av_err("sysreg: name table: %s is out of order after %s", r->name,
				       names[i - 1].name);
				return -AV_EINVAL;
			}
		}
		for (size_t j = 0; j < i; j++) {
			if (name_eq(names[j].name, r->name)) {
				av_err("sysreg: name table: %s appears twice", r->name);
				return -AV_EEXIST;
			}
		}
	}
	return 0;
}

const char *av_sysreg_name(uint32_t key)
{
	uint32_t want = av_sysreg_key_order(key);
	size_t lo = 0, hi = AV_ARRAY_SIZE(names);

	if (key & ~(uint32_t)AV_SYSREG_KEY_MASK)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t at = av_sysreg_key_order(names[mid].key);

		if (at == want)
			return names[mid].name;
		if (at < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Parse a decimal number of at most @max; advances *s. */
static bool parse_num(const char **s, unsigned max, unsigned *out)
{
	const char *p = *s;
	unsigned v = 0;

	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > max)
			return false;
		p++;
	}
	*s = p;
	*out = v;
	return true;
}

static bool parse_lit(const char **s, const char *lit)
{
	const char *p = *s;

	for (; *lit; lit++, p++) {
		if (lower(*p) != lower(*lit))
			return false;
	}
	*s = p;
	return true;
}

/* The generic "S<op0>_<op1>_C<n>_C<m>_<op2>" form. */
static bool parse_generic(const char *s, uint32_t *key)
{
	unsigned op0, op1, crn, crm, op2;

	if (!parse_lit(&s, "s") || !parse_num(&s, 3, &op0) || !parse_lit(&s, "_") ||
	    !parse_num(&s, 7, &op1) || !parse_lit(&s, "_c") || !parse_num(&s, 15, &crn) ||
	    !parse_lit(&s, "_c") || !parse_num(&s, 15, &crm) || !parse_lit(&s, "_") ||
	    !parse_num(&s, 7, &op2) || *s != '\0')
		return false;
	*key = AV_SYSREG(op0, op1, crn, crm, op2);
	return true;
}

int av_sysreg_key_from_name(const char *name, uint32_t *key)
{
	if (!name || !key)
		return -AV_EINVAL;
	for (size_t i = 0; i < AV_ARRAY_SIZE(names); i++) {
		if (name_eq(names[i].name, name)) {
			*key = names[i].key;
			return 0;
		}
	}
	for (size_t i = 0; i < AV_ARRAY_SIZE(aliases); i++) {
		if (name_eq(aliases[i].name, name)) {
			*key = aliases[i].key;
			return 0;
		}
	}
	return parse_generic(name, key) ? 0 : -AV_ENOENT;
}

int av_sysreg_format_generic(uint32_t key, char *buf, size_t size)
{
	return av_snprintf(buf, size, "S%u_%u_C%u_C%u_%u", av_sysreg_op0(key), av_sysreg_op1(key),
			   av_sysreg_crn(key), av_sysreg_crm(key), av_sysreg_op2(key));
}

int av_sysreg_format_key(uint32_t key, char *buf, size_t size)
{
	const char *name = av_sysreg_name(key);

	if (name)
		return av_snprintf(buf, size, "%s", name);
	return av_sysreg_format_generic(key, buf, size);
}
