/* SPDX-License-Identifier: MIT */
/* Unit tests: system register keys, the name table, the emulation engine, ID sanitisation.
 *
 * Oracles: ISS values are built field by field from the Arm ARM layout (with plain
 * shifts, deliberately independent of the library's masks); instruction words come from
 * aarch64-linux-gnu-as; register encodings are stated from the Arm ARM register
 * descriptions; QEMU's real syndrome and -cpu max ID register values are used as-is. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <armvirt/log.h>
#include <armvirt/sysreg.h>

/* ------------------------------------------------------------------------------------
 * Oracles
 */

/* EC 0x18 ISS from its fields: Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10],
 * Rt [9:5], CRm [4:1], Direction [0] (1 = read). */
static uint32_t iss_of(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2,
		       unsigned rt, bool read)
{
	return (uint32_t)op0 << 20 | (uint32_t)op2 << 17 | (uint32_t)op1 << 14 |
	       (uint32_t)crn << 10 | (uint32_t)rt << 5 | (uint32_t)crm << 1 | (read ? 1u : 0u);
}

/* The ISS a trapped MRS/MSR instruction word produces: o0:op0 [20:19], op1 [18:16],
 * CRn [15:12], CRm [11:8], op2 [7:5], Rt [4:0], L (read) [21]. */
static uint32_t iss_of_insn(uint32_t insn)
{
	return iss_of((insn >> 19) & 3, (insn >> 16) & 7, (insn >> 12) & 15, (insn >> 8) & 15,
		      (insn >> 5) & 7, insn & 31, (insn >> 21) & 1);
}

struct enc {
	const char *name;
	unsigned op0, op1, crn, crm, op2;
};

/* Encodings from the Arm ARM, stated independently of the library. */
static const struct enc known[] = {
	{ "SCTLR_EL1", 3, 0, 1, 0, 0 },
	{ "VTCR_EL2", 3, 4, 2, 1, 2 },
	{ "ICC_SGI1R_EL1", 3, 0, 12, 11, 5 },
	{ "CNTV_CTL_EL0", 3, 3, 14, 3, 1 },
	{ "MDSCR_EL1", 2, 0, 0, 2, 2 },
	{ "PMEVCNTR5_EL0", 3, 3, 14, 8, 5 },
	{ "DBGBVR7_EL1", 2, 0, 0, 7, 4 },
	{ "ICH_LR12_EL2", 3, 4, 12, 13, 4 },
	{ "MIDR_EL1", 3, 0, 0, 0, 0 },
	{ "MPIDR_EL1", 3, 0, 0, 0, 5 },
	{ "ID_AA64PFR0_EL1", 3, 0, 0, 4, 0 },
	{ "ID_AA64MMFR0_EL1", 3, 0, 0, 7, 0 },
	{ "ID_AA64ISAR1_EL1", 3, 0, 0, 6, 1 },
	{ "ID_ISAR6_EL1", 3, 0, 0, 2, 7 },
	{ "ID_MMFR4_EL1", 3, 0, 0, 2, 6 },
	{ "MVFR2_EL1", 3, 0, 0, 3, 2 },
	{ "CTR_EL0", 3, 3, 0, 0, 1 },
	{ "DCZID_EL0", 3, 3, 0, 0, 7 },
	{ "CLIDR_EL1", 3, 1, 0, 0, 1 },
	{ "CSSELR_EL1", 3, 2, 0, 0, 0 },
	{ "TCR_EL1", 3, 0, 2, 0, 2 },
	{ "MAIR_EL1", 3, 0, 10, 2, 0 },
	{ "ESR_EL1", 3, 0, 5, 2, 0 },
	{ "CurrentEL", 3, 0, 4, 2, 2 },
	{ "SP_EL0", 3, 0, 4, 1, 0 },
	{ "SP_EL1", 3, 4, 4, 1, 0 },
	{ "APGAKeyHi_EL1", 3, 0, 2, 3, 1 },
	{ "RNDRRS", 3, 3, 2, 4, 1 },
	{ "CNTFRQ_EL0", 3, 3, 14, 0, 0 },
	{ "CNTVOFF_EL2", 3, 4, 14, 0, 3 },
	{ "CNTHCTL_EL2", 3, 4, 14, 1, 0 },
	{ "CNTP_CVAL_EL02", 3, 5, 14, 2, 2 },
	{ "ICC_PMR_EL1", 3, 0, 4, 6, 0 },
	{ "ICC_IAR1_EL1", 3, 0, 12, 12, 0 },
	{ "ICC_AP1R3_EL1", 3, 0, 12, 9, 3 },
	{ "ICC_SRE_EL2", 3, 4, 12, 9, 5 },
	{ "ICH_VMCR_EL2", 3, 4, 12, 11, 7 },
	{ "ICH_AP0R2_EL2", 3, 4, 12, 8, 2 },
	{ "PMCR_EL0", 3, 3, 9, 12, 0 },
	{ "PMCCFILTR_EL0", 3, 3, 14, 15, 7 },
	{ "PMEVTYPER30_EL0", 3, 3, 14, 15, 6 },
	{ "OSLAR_EL1", 2, 0, 1, 0, 4 },
	{ "DBGAUTHSTATUS_EL1", 2, 0, 7, 14, 6 },
	{ "DBGWCR15_EL1", 2, 0, 0, 15, 7 },
	{ "HCR_EL2", 3, 4, 1, 1, 0 },
	{ "HPFAR_EL2", 3, 4, 6, 0, 4 },
	{ "HFGITR_EL2", 3, 4, 1, 1, 6 },
	{ "VNCR_EL2", 3, 4, 2, 2, 0 },
	{ "SCTLR_EL12", 3, 5, 1, 0, 0 },
	{ "ZCR_EL1", 3, 0, 1, 2, 0 },
};

/* ------------------------------------------------------------------------------------
 * Keys
 */

static int classify(uint32_t key)
{
	switch (key) {
	case AV_SYSREG(3, 0, 1, 0, 0):
		return 1;
	case AV_SYS_ID_AA64PFR0_EL1:
		return 2;
	case AV_SYS_ICH_LRn_EL2(12):
		return 3;
	default:
		return 0;
	}
}

static const uint32_t static_keys[] = { AV_SYSREG(3, 4, 2, 1, 2), AV_SYS_PMEVCNTRn_EL0(5) };

static void test_key_packing(void **state)
{
	struct av_sysreg_access acc;
	(void)state;

	/* QEMU's syndrome for MRS x1, ID_AA64PFR0_EL1: EC 0x18, IL 1. */
	{
		uint32_t esr = 0x62300029u;
		uint32_t iss = esr & 0x1ffffffu;

		assert_int_equal(esr >> 26, 0x18);
		assert_int_equal(iss, iss_of(3, 0, 0, 4, 0, 1, true));
		av_sysreg_decode_iss(iss, &acc);
		assert_int_equal(acc.key, AV_SYSREG(3, 0, 0, 4, 0));
		assert_int_equal(acc.key, AV_SYS_ID_AA64PFR0_EL1);
		assert_int_equal(acc.rt, 1);
		assert_false(acc.is_write);
		assert_int_equal(av_sysreg_key_from_iss(iss), AV_SYS_ID_AA64PFR0_EL1);
	}

	/* The key is the ISS with Rt and direction cleared, for every encoding. */
	for (unsigned op0 = 0; op0 < 4; op0++)
		for (unsigned op1 = 0; op1 < 8; op1++)
			for (unsigned crn = 0; crn < 16; crn++)
				for (unsigned crm = 0; crm < 16; crm++)
					for (unsigned op2 = 0; op2 < 8; op2++) {
						uint32_t k = AV_SYSREG(op0, op1, crn, crm, op2);
						uint32_t iss = iss_of(op0, op1, crn, crm, op2,
								      (crm * 7 + op2) & 31,
								      (op1 ^ crn) & 1);

						assert_int_equal(k, iss_of(op0, op1, crn, crm, op2, 0,
									   false));
						assert_int_equal(av_sysreg_key_from_iss(iss), k);
						assert_int_equal(av_sysreg_op0(k), op0);
						assert_int_equal(av_sysreg_op1(k), op1);
						assert_int_equal(av_sysreg_crn(k), crn);
						assert_int_equal(av_sysreg_crm(k), crm);
						assert_int_equal(av_sysreg_op2(k), op2);
						assert_int_equal(av_sysreg_key_order(k),
								 op0 << 14 | op1 << 11 | crn << 7 |
									 crm << 3 | op2);
					}
	assert_int_equal(AV_SYSREG_KEY_MASK, 0x3ffc1eu);

	/* Instruction words from aarch64-linux-gnu-as, trapped: ISS -> key, Rt, direction. */
	{
		static const struct {
			uint32_t insn;
			uint32_t key;
			unsigned rt;
			bool write;
		} words[] = {
			{ 0xd5380401, AV_SYS_ID_AA64PFR0_EL1, 1, false }, /* mrs x1, id_aa64pfr0_el1 */
			{ 0xd5181003, AV_SYS_SCTLR_EL1, 3, true },        /* msr sctlr_el1, x3 */
			{ 0xd53c215e, AV_SYS_VTCR_EL2, 30, false },       /* mrs x30, vtcr_el2 */
			{ 0xd518cba5, AV_SYS_ICC_SGI1R_EL1, 5, true },    /* msr icc_sgi1r_el1, x5 */
			{ 0xd53be320, AV_SYS_CNTV_CTL_EL0, 0, false },    /* mrs x0, cntv_ctl_el0 */
			{ 0xd5100251, AV_SYS_MDSCR_EL1, 17, true },       /* msr mdscr_el1, x17 */
			{ 0xd53be8a9, AV_SYS_PMEVCNTRn_EL0(5), 9, false }, /* mrs x9, pmevcntr5_el0 */
			{ 0xd5100782, AV_SYS_DBGBVRn_EL1(7), 2, true },   /* msr dbgbvr7_el1, x2 */
			{ 0xd53ccd84, AV_SYS_ICH_LRn_EL2(12), 4, false }, /* mrs x4, ich_lr12_el2 */
			{ 0xd51d401f, AV_SYS_SPSR_EL12, 31, true },       /* msr spsr_el12, xzr */
		};
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
			av_sysreg_decode_iss(iss_of_insn(words[i].insn), &acc);
			assert_int_equal(acc.key, words[i].key);
			assert_int_equal(acc.rt, words[i].rt);
			assert_int_equal(acc.is_write, words[i].write);
		}
	}

	/* AV_SYSREG is a constant expression: case labels and static initialisers. */
	assert_int_equal(classify(AV_SYS_SCTLR_EL1), 1);
	assert_int_equal(classify(AV_SYSREG(3, 0, 0, 4, 0)), 2);
	assert_int_equal(classify(AV_SYSREG(3, 4, 12, 13, 4)), 3);
	assert_int_equal(classify(AV_SYS_HCR_EL2), 0);
	assert_int_equal(static_keys[0], AV_SYS_VTCR_EL2);
	assert_int_equal(static_keys[1], AV_SYSREG(3, 3, 14, 8, 5));
}

/* ------------------------------------------------------------------------------------
 * Names
 */

static void test_names_both_ways(void **state)
{
	char buf[AV_SYSREG_NAME_MAX], low[AV_SYSREG_NAME_MAX];
	uint32_t key;
	(void)state;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const struct enc *e = &known[i];
		uint32_t want = AV_SYSREG(e->op0, e->op1, e->crn, e->crm, e->op2);

		assert_non_null(av_sysreg_name(want));
		assert_string_equal(av_sysreg_name(want), e->name);
		key = 0;
		assert_int_equal(av_sysreg_key_from_name(e->name, &key), 0);
		assert_int_equal(key, want);
		/* Case-insensitive. */
		for (size_t j = 0; j <= strlen(e->name); j++)
			low[j] = (char)tolower((unsigned char)e->name[j]);
		key = 0;
		assert_int_equal(av_sysreg_key_from_name(low, &key), 0);
		assert_int_equal(key, want);
		/* The generic form of a named register. */
		snprintf(buf, sizeof(buf), "S%u_%u_C%u_C%u_%u", e->op0, e->op1, e->crn, e->crm,
			 e->op2);
		key = 0;
		assert_int_equal(av_sysreg_key_from_name(buf, &key), 0);
		assert_int_equal(key, want);
		assert_int_equal(av_sysreg_format_key(want, low, sizeof(low)), (int)strlen(e->name));
		assert_string_equal(low, e->name);
		assert_int_equal(av_sysreg_format_generic(want, low, sizeof(low)), (int)strlen(buf));
		assert_string_equal(low, buf);
	}

	/* Unknown keys: no name, generic formatting. */
	assert_null(av_sysreg_name(AV_SYSREG(3, 0, 15, 2, 1)));
	assert_int_equal(av_sysreg_format_key(AV_SYSREG(3, 0, 15, 2, 1), buf, sizeof(buf)), 13);
	assert_string_equal(buf, "S3_0_C15_C2_1");
	assert_int_equal(av_sysreg_format_key(AV_SYSREG(1, 7, 0, 15, 0), buf, sizeof(buf)), 13);
	assert_string_equal(buf, "S1_7_C0_C15_0");
	assert_null(av_sysreg_name(AV_SYS_SCTLR_EL1 | 1)); /* direction bit is not a key bit */
	/* Truncation reports the full length. */
	assert_int_equal(av_sysreg_format_key(AV_SYS_ID_AA64MMFR0_EL1, buf, 5), 16);
	assert_string_equal(buf, "ID_A");

	/* Generic names parse for unnamed encodings too; malformed ones do not. */
	assert_int_equal(av_sysreg_key_from_name("S3_0_C15_C2_1", &key), 0);
	assert_int_equal(key, AV_SYSREG(3, 0, 15, 2, 1));
	assert_int_equal(av_sysreg_key_from_name("s3_7_c15_c15_7", &key), 0);
	assert_int_equal(key, AV_SYSREG(3, 7, 15, 15, 7));
	assert_int_equal(av_sysreg_key_from_name("S4_0_C0_C0_0", &key), -AV_ENOENT);
	assert_int_equal(av_sysreg_key_from_name("S3_8_C0_C0_0", &key), -AV_ENOENT);
	assert_int_equal(av_sysreg_key_from_name("S3_0_C16_C0_0", &key), -AV_ENOENT);
	assert_int_equal(av_sysreg_key_from_name("S3_0_C1_C0_0x", &key), -AV_ENOENT);
	assert_int_equal(av_sysreg_key_from_name("S3_0_C1_C0", &key), -AV_ENOENT);
	assert_int_equal(av_sysreg_key_from_name("NOT_A_REG_EL1", &key), -AV_ENOENT);
	assert_int_equal(av_sysreg_key_from_name("SCTLR_EL", &key), -AV_ENOENT);
	assert_int_equal(av_sysreg_key_from_name("", &key), -AV_ENOENT);
	assert_int_equal(av_sysreg_key_from_name(NULL, &key), -AV_EINVAL);
	assert_int_equal(av_sysreg_key_from_name("SCTLR_EL1", NULL), -AV_EINVAL);

	/* A second name for a key. */
	assert_int_equal(av_sysreg_key_from_name("DBGDTRTX_EL0", &key), 0);
	assert_int_equal(key, AV_SYSREG(2, 3, 0, 5, 0));
	assert_string_equal(av_sysreg_name(key), "DBGDTRRX_EL0");
}

static void test_name_table(void **state)
{
	size_t n = 0;
	const struct av_sysreg_name *t = av_sysreg_name_table(&n);
	char name[AV_SYSREG_NAME_MAX];
	uint32_t key;
	(void)state;

	assert_int_equal(av_sysreg_names_check(), 0);
	assert_true(n >= 500);
	for (size_t i = 0; i < n; i++) {
		assert_true(strlen(t[i].name) < AV_SYSREG_NAME_MAX);
		assert_ptr_equal(av_sysreg_name(t[i].key), t[i].name);
		assert_int_equal(av_sysreg_key_from_name(t[i].name, &key), 0);
		assert_int_equal(key, t[i].key);
		if (i > 0)
			assert_true(av_sysreg_key_order(t[i - 1].key) < av_sysreg_key_order(t[i].key));
	}

	/* The families, every member, against the header's family macros. */
	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "DBGBVR%d_EL1", i);
		assert_int_equal(av_sysreg_key_from_name(name, &key), 0);
		assert_int_equal(key, AV_SYS_DBGBVRn_EL1(i));
		assert_int_equal(key, AV_SYSREG(2, 0, 0, i, 4));
		snprintf(name, sizeof(name), "DBGBCR%d_EL1", i);
		assert_string_equal(av_sysreg_name(AV_SYS_DBGBCRn_EL1(i)), name);
		snprintf(name, sizeof(name), "DBGWVR%d_EL1", i);
		assert_string_equal(av_sysreg_name(AV_SYS_DBGWVRn_EL1(i)), name);
		snprintf(name, sizeof(name), "DBGWCR%d_EL1", i);
		assert_string_equal(av_sysreg_name(AV_SYS_DBGWCRn_EL1(i)), name);
		snprintf(name, sizeof(name), "ICH_LR%d_EL2", i);
		assert_string_equal(av_sysreg_name(AV_SYS_ICH_LRn_EL2(i)), name);
		assert_int_equal(AV_SYS_ICH_LRn_EL2(i), AV_SYSREG(3, 4, 12, 12 + i / 8, i % 8));
	}
	for (int i = 0; i < 31; i++) {
		snprintf(name, sizeof(name), "PMEVCNTR%d_EL0", i);
		assert_string_equal(av_sysreg_name(AV_SYS_PMEVCNTRn_EL0(i)), name);
		assert_int_equal(AV_SYS_PMEVCNTRn_EL0(i), AV_SYSREG(3, 3, 14, 8 + i / 8, i % 8));
		snprintf(name, sizeof(name), "PMEVTYPER%d_EL0", i);
		assert_string_equal(av_sysreg_name(AV_SYS_PMEVTYPERn_EL0(i)), name);
	}
	assert_null(av_sysreg_name(AV_SYSREG(3, 3, 14, 11, 7))); /* there is no PMEVCNTR31 */
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "ICH_AP0R%d_EL2", i);
		assert_string_equal(av_sysreg_name(AV_SYS_ICH_AP0Rn_EL2(i)), name);
		snprintf(name, sizeof(name), "ICH_AP1R%d_EL2", i);
		assert_string_equal(av_sysreg_name(AV_SYS_ICH_AP1Rn_EL2(i)), name);
		snprintf(name, sizeof(name), "ICC_AP0R%d_EL1", i);
		assert_int_equal(av_sysreg_key_from_name(name, &key), 0);
		assert_int_equal(key, AV_SYSREG(3, 0, 12, 8, 4 + i));
	}
}

/* Every AV_SYS_* constant of the header agrees with the name table. */
#define C(R) { AV_SYS_##R, #R }
static const struct {
	uint32_t key;
	const char *name;
} constants[] = {
	C(MIDR_EL1), C(MPIDR_EL1), C(REVIDR_EL1), C(ID_PFR0_EL1), C(ID_PFR1_EL1),
	C(ID_DFR0_EL1), C(ID_AFR0_EL1), C(ID_MMFR0_EL1), C(ID_MMFR1_EL1), C(ID_MMFR2_EL1),
	C(ID_MMFR3_EL1), C(ID_ISAR0_EL1), C(ID_ISAR1_EL1), C(ID_ISAR2_EL1), C(ID_ISAR3_EL1),
	C(ID_ISAR4_EL1), C(ID_ISAR5_EL1), C(ID_MMFR4_EL1), C(ID_ISAR6_EL1), C(MVFR0_EL1),
	C(MVFR1_EL1), C(MVFR2_EL1), C(ID_PFR2_EL1), C(ID_DFR1_EL1), C(ID_MMFR5_EL1),
	C(ID_AA64PFR0_EL1), C(ID_AA64PFR1_EL1), C(ID_AA64PFR2_EL1), C(ID_AA64ZFR0_EL1),
	C(ID_AA64SMFR0_EL1), C(ID_AA64DFR0_EL1), C(ID_AA64DFR1_EL1), C(ID_AA64AFR0_EL1),
	C(ID_AA64AFR1_EL1), C(ID_AA64ISAR0_EL1), C(ID_AA64ISAR1_EL1), C(ID_AA64ISAR2_EL1),
	C(ID_AA64MMFR0_EL1), C(ID_AA64MMFR1_EL1), C(ID_AA64MMFR2_EL1), C(ID_AA64MMFR3_EL1),
	C(CCSIDR_EL1), C(CLIDR_EL1), C(GMID_EL1), C(AIDR_EL1), C(CSSELR_EL1), C(CTR_EL0),
	C(DCZID_EL0),
	C(SCTLR_EL1), C(ACTLR_EL1), C(CPACR_EL1), C(ZCR_EL1), C(TTBR0_EL1), C(TTBR1_EL1),
	C(TCR_EL1), C(APIAKEYLO_EL1), C(APIAKEYHI_EL1), C(APIBKEYLO_EL1), C(APIBKEYHI_EL1),
	C(APDAKEYLO_EL1), C(APDAKEYHI_EL1), C(APDBKEYLO_EL1), C(APDBKEYHI_EL1),
	C(APGAKEYLO_EL1), C(APGAKEYHI_EL1), C(SPSR_EL1), C(ELR_EL1), C(SP_EL0),
	C(ICC_PMR_EL1), C(AFSR0_EL1), C(AFSR1_EL1), C(ESR_EL1), C(FAR_EL1), C(PAR_EL1),
	C(PMINTENSET_EL1), C(PMINTENCLR_EL1), C(MAIR_EL1), C(AMAIR_EL1), C(VBAR_EL1),
	C(CONTEXTIDR_EL1), C(TPIDR_EL1), C(CNTKCTL_EL1), C(RNDR), C(RNDRRS), C(NZCV), C(DAIF),
	C(FPCR), C(FPSR), C(TPIDR_EL0), C(TPIDRRO_EL0),
	C(CNTFRQ_EL0), C(CNTPCT_EL0), C(CNTVCT_EL0), C(CNTP_TVAL_EL0), C(CNTP_CTL_EL0),
	C(CNTP_CVAL_EL0), C(CNTV_TVAL_EL0), C(CNTV_CTL_EL0), C(CNTV_CVAL_EL0), C(CNTVOFF_EL2),
	C(CNTPOFF_EL2), C(CNTHCTL_EL2), C(CNTHP_TVAL_EL2), C(CNTHP_CTL_EL2), C(CNTHP_CVAL_EL2),
	C(CNTHV_TVAL_EL2), C(CNTHV_CTL_EL2), C(CNTHV_CVAL_EL2),
	C(ICC_IAR0_EL1), C(ICC_EOIR0_EL1), C(ICC_HPPIR0_EL1), C(ICC_BPR0_EL1), C(ICC_AP0R0_EL1),
	C(ICC_AP1R0_EL1), C(ICC_DIR_EL1), C(ICC_RPR_EL1), C(ICC_SGI1R_EL1), C(ICC_ASGI1R_EL1),
	C(ICC_SGI0R_EL1), C(ICC_IAR1_EL1), C(ICC_EOIR1_EL1), C(ICC_HPPIR1_EL1), C(ICC_BPR1_EL1),
	C(ICC_CTLR_EL1), C(ICC_SRE_EL1), C(ICC_IGRPEN0_EL1), C(ICC_IGRPEN1_EL1), C(ICC_SRE_EL2),
	C(ICH_HCR_EL2), C(ICH_VTR_EL2), C(ICH_MISR_EL2), C(ICH_EISR_EL2), C(ICH_ELRSR_EL2),
	C(ICH_VMCR_EL2),
	C(PMCR_EL0), C(PMCNTENSET_EL0), C(PMCNTENCLR_EL0), C(PMOVSCLR_EL0), C(PMSWINC_EL0),
	C(PMSELR_EL0), C(PMCEID0_EL0), C(PMCEID1_EL0), C(PMCCNTR_EL0), C(PMXEVTYPER_EL0),
	C(PMXEVCNTR_EL0), C(PMUSERENR_EL0), C(PMOVSSET_EL0), C(PMCCFILTR_EL0),
	C(OSDTRRX_EL1), C(MDCCINT_EL1), C(MDSCR_EL1), C(OSDTRTX_EL1), C(OSECCR_EL1),
	C(MDRAR_EL1), C(OSLAR_EL1), C(OSLSR_EL1), C(OSDLR_EL1), C(DBGPRCR_EL1),
	C(DBGCLAIMSET_EL1), C(DBGCLAIMCLR_EL1), C(DBGAUTHSTATUS_EL1), C(MDCCSR_EL0),
	C(VPIDR_EL2), C(VMPIDR_EL2), C(SCTLR_EL2), C(ACTLR_EL2), C(HCR_EL2), C(MDCR_EL2),
	C(CPTR_EL2), C(HSTR_EL2), C(HFGRTR_EL2), C(HFGWTR_EL2), C(HFGITR_EL2), C(HACR_EL2),
	C(ZCR_EL2), C(HCRX_EL2), C(TTBR0_EL2), C(TTBR1_EL2), C(TCR_EL2), C(VTTBR_EL2),
	C(VTCR_EL2), C(VNCR_EL2), C(VSTTBR_EL2), C(VSTCR_EL2), C(HDFGRTR_EL2), C(HDFGWTR_EL2),
	C(SPSR_EL2), C(ELR_EL2), C(SP_EL1), C(ESR_EL2), C(FAR_EL2), C(HPFAR_EL2), C(MAIR_EL2),
	C(VBAR_EL2), C(CONTEXTIDR_EL2), C(TPIDR_EL2),
	C(SCTLR_EL12), C(CPACR_EL12), C(TTBR0_EL12), C(TTBR1_EL12), C(TCR_EL12), C(SPSR_EL12),
	C(ELR_EL12), C(AFSR0_EL12), C(AFSR1_EL12), C(ESR_EL12), C(FAR_EL12), C(MAIR_EL12),
	C(AMAIR_EL12), C(VBAR_EL12), C(CONTEXTIDR_EL12), C(CNTKCTL_EL12), C(CNTP_TVAL_EL02),
	C(CNTP_CTL_EL02), C(CNTP_CVAL_EL02), C(CNTV_TVAL_EL02), C(CNTV_CTL_EL02),
	C(CNTV_CVAL_EL02),
};
#undef C

static void test_constants_match_names(void **state)
{
	uint32_t key;
	(void)state;

	for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]); i++) {
		key = ~0u;
		assert_int_equal(av_sysreg_key_from_name(constants[i].name, &key), 0);
		if (key != constants[i].key)
			fail_msg("AV_SYS_%s disagrees with the name table", constants[i].name);
	}
}

/* ------------------------------------------------------------------------------------
 * Emulation engine
 */

static enum av_access_result noop_access(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	(void)ctx;
	(void)val;
	return AV_ACCESS_HANDLED;
}

static void test_table_check(void **state)
{
	/* Sorted in encoding order, though not in numeric key order (MPIDR's op2 = 5 makes
	 * its key larger than ID_PFR0's). */
	const struct av_sysreg_desc good[] = {
		{ .key = AV_SYSREG(2, 0, 0, 2, 2), .name = "MDSCR_EL1", .kind = AV_SYSREG_RAZ_WI },
		AV_SYSREG_ROW_RANGE(AV_SYS_DBGBVRn_EL1(3), AV_SYS_DBGWCRn_EL1(3), "DBG3",
				    noop_access, 0),
		{ AV_SYSREG_NAMED(MPIDR_EL1), .kind = AV_SYSREG_RO, .value = 0x80000000 },
		{ AV_SYSREG_NAMED(ID_PFR0_EL1), .kind = AV_SYSREG_RAZ_WI },
		AV_SYSREG_ROW_CONST(AV_SYS_CTR_EL0, "CTR_EL0", 0x8444c004),
		AV_SYSREG_ROW_UNDEF(AV_SYS_PMCR_EL0, "PMCR_EL0"),
		AV_SYSREG_ROW_RANGE(AV_SYS_PMEVCNTRn_EL0(0), AV_SYS_PMEVCNTRn_EL0(30), "PMEVCNTR",
				    noop_access, 0),
		{ .key = AV_SYS_HCR_EL2, .last = AV_SYS_HCR_EL2, .kind = AV_SYSREG_RAZ_WI },
		AV_SYSREG_ROW_HANDLER(AV_SYS_ICH_LRn_EL2(0), "ICH_LR0_EL2", noop_access, 0),
	};
	struct av_sysreg_desc rows[sizeof(good) / sizeof(good[0])];
	const size_t n = sizeof(good) / sizeof(good[0]);
	(void)state;

	assert_int_equal(av_sysreg_table_check(good, n), 0);
	assert_int_equal(av_sysreg_table_check(good, 0), 0);
	assert_int_equal(av_sysreg_table_check(NULL, 0), 0);
	assert_int_equal(av_sysreg_table_check(NULL, 1), -AV_EINVAL);

	/* Misordered. */
	memcpy(rows, good, sizeof(good));
	rows[2] = good[3];
	rows[3] = good[2];
	assert_int_equal(av_sysreg_table_check(rows, n), -AV_EINVAL);
	/* Duplicate key. */
	memcpy(rows, good, sizeof(good));
	rows[3].key = rows[2].key;
	assert_int_equal(av_sysreg_table_check(rows, n), -AV_EEXIST);
	/* A range that swallows the next row. */
	memcpy(rows, good, sizeof(good));
	rows[0].last = AV_SYS_DBGBVRn_EL1(3);
	assert_int_equal(av_sysreg_table_check(rows, n), -AV_EEXIST);
	/* A single row inside the previous range. */
	{
		const struct av_sysreg_desc overlap[] = {
			AV_SYSREG_ROW_RANGE(AV_SYS_PMEVCNTRn_EL0(0), AV_SYS_PMEVCNTRn_EL0(30),
					    "PMEVCNTR", noop_access, 0),
			AV_SYSREG_ROW_RAZ_WI(AV_SYS_PMEVCNTRn_EL0(30), "PMEVCNTR30_EL0"),
		};
		assert_int_equal(av_sysreg_table_check(overlap, 2), -AV_EEXIST);
	}
	/* A handler row without its callback. */
	memcpy(rows, good, sizeof(good));
	rows[8].access = NULL;
	assert_int_equal(av_sysreg_table_check(rows, n), -AV_EINVAL);
	/* A range that ends before it starts. */
	memcpy(rows, good, sizeof(good));
	rows[6].last = AV_SYS_PMSELR_EL0;
	assert_int_equal(av_sysreg_table_check(rows, n), -AV_EINVAL);
	/* A bad kind, and a key with bits outside the encoding (Rt, direction). */
	memcpy(rows, good, sizeof(good));
	rows[0].kind = AV_SYSREG_KIND_MAX;
	assert_int_equal(av_sysreg_table_check(rows, n), -AV_EINVAL);
	memcpy(rows, good, sizeof(good));
	rows[0].key |= 1;
	assert_int_equal(av_sysreg_table_check(rows, n), -AV_EINVAL);
	memcpy(rows, good, sizeof(good));
	rows[1].last |= 0x20;
	assert_int_equal(av_sysreg_table_check(rows, n), -AV_EINVAL);

	/* Binary search over the good table, ranges included. */
	assert_ptr_equal(av_sysreg_find(good, n, AV_SYS_MDSCR_EL1), &good[0]);
	assert_ptr_equal(av_sysreg_find(good, n, AV_SYS_DBGWVRn_EL1(3)), &good[1]);
	assert_null(av_sysreg_find(good, n, AV_SYS_DBGBVRn_EL1(4)));
	assert_ptr_equal(av_sysreg_find(good, n, AV_SYS_PMEVCNTRn_EL0(17)), &good[6]);
	assert_null(av_sysreg_find(good, n, AV_SYSREG(3, 3, 14, 11, 7)));
	assert_ptr_equal(av_sysreg_find(good, n, AV_SYS_HCR_EL2), &good[7]);
	assert_ptr_equal(av_sysreg_find(good, n, AV_SYS_ICH_LRn_EL2(0)), &good[8]);
	assert_null(av_sysreg_find(good, n, AV_SYS_ICH_LRn_EL2(1)));
	assert_null(av_sysreg_find(good, n, AV_SYS_MIDR_EL1));
	assert_null(av_sysreg_find(good, n, AV_SYSREG(2, 0, 0, 0, 0)));
	assert_null(av_sysreg_find(good, n, AV_SYSREG(3, 7, 15, 15, 7)));
	assert_null(av_sysreg_find(good, n, AV_SYS_MDSCR_EL1 | 1));
	assert_null(av_sysreg_find(good, 0, AV_SYS_MDSCR_EL1));
}

struct seen {
	int calls;
	struct av_sysreg_ctx ctx;
	uint64_t written;
	enum av_access_result ret;
};

static enum av_access_result record_access(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	struct seen *s = ctx->vcpu;

	s->calls++;
	s->ctx = *ctx;
	if (ctx->is_write)
		s->written = *val;
	else
		*val = ctx->desc->value + av_sysreg_op2(ctx->key);
	return s->ret;
}

static const struct av_sysreg_desc emu_rows[] = {
	{ AV_SYSREG_NAMED(MDSCR_EL1), .kind = AV_SYSREG_HANDLER, .value = 0x100,
	  .access = record_access },
	AV_SYSREG_ROW_RO(AV_SYS_MIDR_EL1, "MIDR_EL1", 0x410fd083),
	{ AV_SYSREG_NAMED(ID_AA64PFR0_EL1), .kind = AV_SYSREG_CONST, .value = 0x1201001121110222 },
	{ AV_SYSREG_NAMED(ID_AA64DFR0_EL1), .kind = AV_SYSREG_RAZ_WI },
	/* The row the unhandled-register log line suggests, pasted as printed. */
	{ .key = AV_SYSREG(3, 0, 15, 2, 1), .name = "S3_0_C15_C2_1", .kind = AV_SYSREG_RAZ_WI },
	{ AV_SYSREG_NAMED(PMCR_EL0), .kind = AV_SYSREG_UNDEF },
	AV_SYSREG_ROW_RANGE(AV_SYS_PMEVCNTRn_EL0(0), AV_SYS_PMEVCNTRn_EL0(30), "PMEVCNTR<n>_EL0",
			    record_access, 0x1000),
};

static enum av_access_result emu(struct av_sysreg_table *t, void *vcpu, uint32_t key,
				 bool write, uint64_t *val)
{
	const struct av_sysreg_access acc = { .key = key, .rt = 7, .is_write = write };
	return av_sysreg_emulate(t, vcpu, &acc, val);
}

static void test_emulate_kinds(void **state)
{
	struct av_sysreg_table t;
	struct seen s = { 0 };
	int cookie;
	uint64_t v;
	(void)state;

	assert_int_equal(av_sysreg_table_init(&t, emu_rows, sizeof(emu_rows) / sizeof(emu_rows[0]),
					      AV_SYSREG_UNDEF, &cookie),
			 0);
	assert_int_equal(av_sysreg_table_init(&t, emu_rows, 1, AV_SYSREG_CONST, NULL), -AV_EINVAL);
	assert_int_equal(av_sysreg_table_init(NULL, emu_rows, 1, AV_SYSREG_UNDEF, NULL), -AV_EINVAL);
	assert_int_equal(av_sysreg_table_init(&t, emu_rows, sizeof(emu_rows) / sizeof(emu_rows[0]),
					      AV_SYSREG_UNDEF, &cookie),
			 0);

	/* RO: reads the value; writes are UNDEFINED. */
	v = 5;
	assert_int_equal(emu(&t, &s, AV_SYS_MIDR_EL1, false, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x410fd083);
	v = 5;
	assert_int_equal(emu(&t, &s, AV_SYS_MIDR_EL1, true, &v), AV_ACCESS_INJECT);
	/* CONST: reads the value; writes ignored. */
	assert_int_equal(emu(&t, &s, AV_SYS_ID_AA64PFR0_EL1, false, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x1201001121110222);
	v = 1;
	assert_int_equal(emu(&t, &s, AV_SYS_ID_AA64PFR0_EL1, true, &v), AV_ACCESS_HANDLED);
	assert_int_equal(emu(&t, &s, AV_SYS_ID_AA64PFR0_EL1, false, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x1201001121110222);
	/* RAZ/WI. */
	v = 99;
	assert_int_equal(emu(&t, &s, AV_SYS_ID_AA64DFR0_EL1, false, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0);
	v = 99;
	assert_int_equal(emu(&t, &s, AV_SYS_ID_AA64DFR0_EL1, true, &v), AV_ACCESS_HANDLED);
	/* UNDEF both ways. */
	assert_int_equal(emu(&t, &s, AV_SYS_PMCR_EL0, false, &v), AV_ACCESS_INJECT);
	assert_int_equal(emu(&t, &s, AV_SYS_PMCR_EL0, true, &v), AV_ACCESS_INJECT);
	assert_int_equal(s.calls, 0);

	/* Handler: sees table, row, vcpu cookie, key, Rt and direction. */
	v = 0xabcdef;
	s.ret = AV_ACCESS_HANDLED;
	assert_int_equal(emu(&t, &s, AV_SYS_MDSCR_EL1, true, &v), AV_ACCESS_HANDLED);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.written, 0xabcdef);
	assert_ptr_equal(s.ctx.table, &t);
	assert_ptr_equal(s.ctx.table->cookie, &cookie);
	assert_ptr_equal(s.ctx.desc, &emu_rows[0]);
	assert_ptr_equal(s.ctx.vcpu, &s);
	assert_int_equal(s.ctx.key, AV_SYS_MDSCR_EL1);
	assert_int_equal(s.ctx.rt, 7);
	assert_true(s.ctx.is_write);
	assert_int_equal(emu(&t, &s, AV_SYS_MDSCR_EL1, false, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x102);
	assert_false(s.ctx.is_write);
	/* Range handler: the exact key inside the range. */
	assert_int_equal(emu(&t, &s, AV_SYS_PMEVCNTRn_EL0(13), false, &v), AV_ACCESS_HANDLED);
	assert_int_equal(s.ctx.key, AV_SYS_PMEVCNTRn_EL0(13));
	assert_ptr_equal(s.ctx.desc, &emu_rows[6]);
	assert_int_equal(v, 0x1000 + 5);
	/* A handler's other verdicts pass through. */
	s.ret = AV_ACCESS_TO_CALLER;
	assert_int_equal(emu(&t, &s, AV_SYS_PMEVCNTRn_EL0(30), true, &v), AV_ACCESS_TO_CALLER);
	s.ret = AV_ACCESS_INJECT;
	assert_int_equal(emu(&t, &s, AV_SYS_MDSCR_EL1, true, &v), AV_ACCESS_INJECT);
	/* The pasted row works. */
	v = 3;
	assert_int_equal(emu(&t, &s, AV_SYSREG(3, 0, 15, 2, 1), false, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0);

	/* Unmatched keys: the table default. */
	v = 3;
	assert_int_equal(emu(&t, &s, AV_SYS_SCTLR_EL1, false, &v), AV_ACCESS_INJECT);
	assert_int_equal(emu(&t, &s, AV_SYS_SCTLR_EL1, true, &v), AV_ACCESS_INJECT);
	assert_int_equal(av_sysreg_table_init(&t, emu_rows, sizeof(emu_rows) / sizeof(emu_rows[0]),
					      AV_SYSREG_RAZ_WI, NULL),
			 0);
	v = 3;
	assert_int_equal(emu(&t, &s, AV_SYS_SCTLR_EL1, false, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0);
	assert_int_equal(emu(&t, &s, AV_SYS_SCTLR_EL1, true, &v), AV_ACCESS_HANDLED);
	/* An empty table is all default. */
	assert_int_equal(av_sysreg_table_init(&t, NULL, 0, AV_SYSREG_UNDEF, NULL), 0);
	assert_int_equal(emu(&t, &s, AV_SYS_MIDR_EL1, false, &v), AV_ACCESS_INJECT);
}

/* ------------------------------------------------------------------------------------
 * The lookup index (av_sysreg_lookup()): every encoding of the key space against a linear
 * scan of the rows, with the encoding order computed here from the fields.
 */

#define ALL_KEYS 65536u /* op0:op1:CRn:CRm:op2, 2 + 3 + 4 + 4 + 3 bits */

/* The key of the @i-th encoding in encoding order. */
static uint32_t key_at(uint32_t i)
{
	return iss_of(i >> 14, (i >> 11) & 7, (i >> 7) & 15, (i >> 3) & 15, i & 7, 0, false);
}

/* Position of @key in encoding order, from the ISS layout. */
static uint32_t order_of(uint32_t key)
{
	return ((key >> 20) & 3) << 14 | ((key >> 14) & 7) << 11 | ((key >> 10) & 15) << 7 |
	       ((key >> 1) & 15) << 3 | ((key >> 17) & 7);
}

/* The row covering @key by looking at every row. */
static const struct av_sysreg_desc *linear_find(const struct av_sysreg_desc *rows, size_t n,
						uint32_t key)
{
	for (size_t r = 0; r < n; r++) {
		uint32_t last = rows[r].last ? rows[r].last : rows[r].key;

		if (order_of(rows[r].key) <= order_of(key) && order_of(key) <= order_of(last))
			return &rows[r];
	}
	return NULL;
}

/* Index @rows and compare every key (and keys with non-key bits) with the linear scan;
 * returns how many groups the index binary-searches. */
static unsigned check_lookup(const struct av_sysreg_desc *rows, size_t n)
{
	struct av_sysreg_table t;
	unsigned searched = 0, found = 0;

	assert_int_equal(av_sysreg_table_init(&t, rows, n, AV_SYSREG_UNDEF, NULL), 0);
	for (uint32_t i = 0; i < ALL_KEYS; i++) {
		uint32_t key = key_at(i);
		const struct av_sysreg_desc *want = linear_find(rows, n, key);

		if (av_sysreg_lookup(&t, key) != want)
			fail_msg("key %u (order 0x%04x): index %p, rows %p", (unsigned)key,
				 (unsigned)i, (const void *)av_sysreg_lookup(&t, key),
				 (const void *)want);
		/* Rt, the direction or bits above the ISS are never part of a key. */
		assert_null(av_sysreg_lookup(&t, key | 1u));
		assert_null(av_sysreg_lookup(&t, key | (7u << 5)));
		assert_null(av_sysreg_lookup(&t, key | (1u << 24)));
		found += want != NULL;
	}
	/* Every row is found at its first and last key. */
	for (size_t r = 0; r < n; r++) {
		assert_ptr_equal(av_sysreg_lookup(&t, rows[r].key), &rows[r]);
		if (rows[r].last)
			assert_ptr_equal(av_sysreg_lookup(&t, rows[r].last), &rows[r]);
	}
	for (unsigned g = 0; g < AV_SYSREG_INDEX_GROUPS; g++)
		searched += t.index.group[g] == AV_SYSREG_INDEX_SEARCH;
	print_message("lookup: %zu rows, %u keys covered, %u groups searched\n", n, found,
		      searched);
	return searched;
}

/* Rows shaped like a VM's built-in table: single registers, ranges inside a group, ranges
 * over several groups, whole groups, and the first and last encodings. */
static const struct av_sysreg_desc lookup_rows[] = {
	AV_SYSREG_ROW_RAZ_WI(AV_SYSREG(0, 0, 0, 0, 0), "first"),
	AV_SYSREG_ROW_HANDLER(AV_SYSREG(1, 0, 7, 6, 2), "DC ISW", noop_access, 0),
	AV_SYSREG_ROW_HANDLER(AV_SYSREG(1, 0, 7, 10, 2), "DC CSW", noop_access, 0),
	AV_SYSREG_ROW_RANGE(AV_SYSREG(2, 0, 0, 0, 0), AV_SYSREG(2, 0, 0, 2, 1), "DBG0-1",
			    noop_access, 0),
	AV_SYSREG_ROW_HANDLER(AV_SYSREG(2, 0, 0, 2, 2), "MDSCR_EL1", noop_access, 0),
	AV_SYSREG_ROW_RANGE(AV_SYSREG(2, 0, 0, 2, 3), AV_SYSREG(2, 0, 0, 15, 7), "DBG2-15",
			    noop_access, 0),
	AV_SYSREG_ROW_RO(AV_SYSREG(2, 0, 1, 0, 0), "MDRAR_EL1", 0),
	AV_SYSREG_ROW_RO(AV_SYSREG(3, 0, 0, 0, 6), "REVIDR_EL1", 0),
	AV_SYSREG_ROW_RANGE(AV_SYSREG(3, 0, 0, 1, 0), AV_SYSREG(3, 0, 0, 7, 7), "ID",
			    noop_access, 0),
	/* From the last key of CRn 0 over the whole of CRn 1 into CRn 2. */
	AV_SYSREG_ROW_RANGE(AV_SYSREG(3, 0, 0, 15, 7), AV_SYSREG(3, 0, 2, 0, 3), "over groups",
			    noop_access, 0),
	AV_SYSREG_ROW_HANDLER(AV_SYSREG(3, 0, 12, 11, 5), "ICC_SGI1R_EL1", noop_access, 0),
	AV_SYSREG_ROW_HANDLER(AV_SYSREG(3, 0, 12, 11, 6), "ICC_ASGI1R_EL1", noop_access, 0),
	AV_SYSREG_ROW_HANDLER(AV_SYSREG(3, 0, 12, 11, 7), "ICC_SGI0R_EL1", noop_access, 0),
	{ .key = AV_SYSREG(3, 0, 15, 0, 0), .last = AV_SYSREG(3, 0, 15, 15, 7),
	  .kind = AV_SYSREG_UNDEF },
	AV_SYSREG_ROW_RANGE(AV_SYSREG(3, 3, 14, 0, 2), AV_SYSREG(3, 3, 14, 2, 2), "CNTP",
			    noop_access, 0),
	/* Two whole groups and the last encoding. */
	{ .key = AV_SYSREG(3, 7, 13, 0, 0), .last = AV_SYSREG(3, 7, 14, 15, 7),
	  .kind = AV_SYSREG_UNDEF },
	AV_SYSREG_ROW_RAZ_WI(AV_SYSREG(3, 7, 15, 15, 7), "last"),
};

/* @n rows of random disjoint ranges in encoding order, each at most @span keys long. */
static void random_rows(struct av_sysreg_desc *rows, size_t n, uint32_t span, uint32_t seed)
{
	uint32_t x = seed, next = 0, room = ALL_KEYS / (uint32_t)n;

	for (size_t r = 0; r < n; r++) {
		uint32_t first, len;

		x = x * 1664525u + 1013904223u;
		first = next + (x >> 8) % (room - span);
		x = x * 1664525u + 1013904223u;
		len = (x >> 8) % span;
		rows[r] = (struct av_sysreg_desc){ .key = key_at(first),
						   .last = len ? key_at(first + len) : 0,
						   .kind = AV_SYSREG_RAZ_WI };
		next += room;
	}
}

static void test_lookup_index(void **state)
{
	static struct av_sysreg_desc rows[300];
	const struct av_sysreg_desc everything[] = {
		{ .key = AV_SYSREG(0, 0, 0, 0, 0), .last = AV_SYSREG(3, 7, 15, 15, 7),
		  .kind = AV_SYSREG_RAZ_WI },
	};
	(void)state;

	/* The VM-like table is mapped entirely: no group falls back to the search. */
	assert_int_equal(check_lookup(lookup_rows, sizeof(lookup_rows) / sizeof(lookup_rows[0])),
			 0);
	assert_int_equal(check_lookup(everything, 1), 0);
	assert_int_equal(check_lookup(NULL, 0), 0);
	/* 40 short ranges in 40 groups: more partial groups than blocks, the rest searched. */
	random_rows(rows, 40, 100, 1);
	assert_true(check_lookup(rows, 40) >= 40 - AV_SYSREG_INDEX_BLOCKS);
	/* Long ranges over several groups each. */
	random_rows(rows, 12, 1000, 2);
	check_lookup(rows, 12);
	/* More rows than a block numbers: whole groups and empty ones still direct. */
	random_rows(rows, 300, 8, 3);
	assert_true(check_lookup(rows, 300) > 0);
}

static void test_trap_regs(void **state)
{
	struct av_sysreg_table t;
	struct av_regs regs, before;
	struct seen s = { .ret = AV_ACCESS_HANDLED };
	(void)state;

	assert_int_equal(av_sysreg_table_init(&t, emu_rows, sizeof(emu_rows) / sizeof(emu_rows[0]),
					      AV_SYSREG_UNDEF, NULL),
			 0);
	memset(&regs, 0, sizeof(regs));
	for (int i = 0; i < 31; i++)
		regs.x[i] = 0x1111111111111111ull * (uint64_t)(i % 15 + 1);
	regs.pc = 0x40080000;

	/* QEMU's MRS x1, ID_AA64PFR0_EL1. */
	assert_int_equal(av_sysreg_trap(&t, &s, 0x62300029u & 0x1ffffffu, &regs), AV_ACCESS_HANDLED);
	assert_int_equal(regs.x[1], 0x1201001121110222);
	assert_int_equal(regs.pc, 0x40080004);
	/* MSR MDSCR_EL1, x17 hands x17 to the handler. */
	assert_int_equal(av_sysreg_trap(&t, &s, iss_of_insn(0xd5100251), &regs), AV_ACCESS_HANDLED);
	assert_int_equal(s.written, regs.x[17]);
	assert_int_equal(s.ctx.rt, 17);
	assert_int_equal(regs.pc, 0x40080008);
	/* MSR from XZR writes zero; MRS into XZR changes no register. */
	assert_int_equal(av_sysreg_trap(&t, &s, iss_of(2, 0, 0, 2, 2, 31, false), &regs),
			 AV_ACCESS_HANDLED);
	assert_int_equal(s.written, 0);
	before = regs;
	assert_int_equal(av_sysreg_trap(&t, &s, iss_of(3, 0, 0, 0, 0, 31, true), &regs),
			 AV_ACCESS_HANDLED);
	before.pc += 4;
	assert_memory_equal(&regs, &before, sizeof(regs));
	/* UNDEF and return-to-caller leave the register file alone. */
	before = regs;
	assert_int_equal(av_sysreg_trap(&t, &s, iss_of(3, 0, 0, 0, 0, 2, false), &regs),
			 AV_ACCESS_INJECT);
	assert_int_equal(av_sysreg_trap(&t, &s, iss_of(3, 0, 1, 0, 0, 2, true), &regs),
			 AV_ACCESS_INJECT);
	s.ret = AV_ACCESS_TO_CALLER;
	assert_int_equal(av_sysreg_trap(&t, &s, iss_of(3, 3, 14, 9, 2, 4, true), &regs),
			 AV_ACCESS_TO_CALLER);
	assert_memory_equal(&regs, &before, sizeof(regs));
}

struct captured {
	int calls;
	enum av_log_level level;
	char line[AV_LOG_LINE_MAX];
};

static void hook(enum av_log_level level, const char *line, void *cookie)
{
	struct captured *c = cookie;

	c->calls++;
	c->level = level;
	snprintf(c->line, sizeof(c->line), "%s", line);
}

static void test_unhandled_log(void **state)
{
	struct av_sysreg_table t;
	struct captured c = { 0 };
	uint64_t v;
	(void)state;

	assert_int_equal(av_sysreg_table_init(&t, emu_rows, 2, AV_SYSREG_UNDEF, NULL), 0);
	av_log_set_hook(hook, AV_LOG_DEBUG, &c);

	v = 1;
	assert_int_equal(emu(&t, NULL, AV_SYSREG(3, 0, 15, 2, 1), true, &v), AV_ACCESS_INJECT);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.level, AV_LOG_WARN);
	assert_string_equal(c.line,
			    "sysreg: unhandled MSR S3_0_C15_C2_1 (op0=3 op1=0 CRn=15 CRm=2 op2=1): "
			    "add { .key = AV_SYSREG(3, 0, 15, 2, 1), .name = \"S3_0_C15_C2_1\", "
			    ".kind = AV_SYSREG_RAZ_WI },");
	/* Once per key per table. */
	assert_int_equal(emu(&t, NULL, AV_SYSREG(3, 0, 15, 2, 1), true, &v), AV_ACCESS_INJECT);
	assert_int_equal(emu(&t, NULL, AV_SYSREG(3, 0, 15, 2, 1), false, &v), AV_ACCESS_INJECT);
	assert_int_equal(c.calls, 1);

	/* A register the name table knows is logged by name. */
	assert_int_equal(emu(&t, NULL, AV_SYS_ID_AA64ZFR0_EL1, false, &v), AV_ACCESS_INJECT);
	assert_int_equal(c.calls, 2);
	assert_string_equal(c.line,
			    "sysreg: unhandled MRS ID_AA64ZFR0_EL1 (op0=3 op1=0 CRn=0 CRm=4 op2=4): "
			    "add { .key = AV_SYSREG(3, 0, 0, 4, 4), .name = \"ID_AA64ZFR0_EL1\", "
			    ".kind = AV_SYSREG_RAZ_WI },");
	assert_int_equal(emu(&t, NULL, AV_SYS_DBGBVRn_EL1(7), true, &v), AV_ACCESS_INJECT);
	assert_string_equal(c.line,
			    "sysreg: unhandled MSR DBGBVR7_EL1 (op0=2 op1=0 CRn=0 CRm=7 op2=4): "
			    "add { .key = AV_SYSREG(2, 0, 0, 7, 4), .name = \"DBGBVR7_EL1\", "
			    ".kind = AV_SYSREG_RAZ_WI },");
	assert_int_equal(c.calls, 3);

	/* Matched rows, including UNDEF ones, do not log. */
	assert_int_equal(emu(&t, NULL, AV_SYS_MIDR_EL1, true, &v), AV_ACCESS_INJECT);
	assert_int_equal(c.calls, 3);

	/* A RAZ/WI default logs the same way; a fresh table logs keys afresh. */
	assert_int_equal(av_sysreg_table_init(&t, emu_rows, 2, AV_SYSREG_RAZ_WI, NULL), 0);
	assert_int_equal(emu(&t, NULL, AV_SYSREG(3, 0, 15, 2, 1), true, &v), AV_ACCESS_HANDLED);
	assert_int_equal(c.calls, 4);
	/* Distinct keys each get their line. */
	for (unsigned i = 0; i < AV_SYSREG_WARN_SLOTS - 1; i++)
		emu(&t, NULL, AV_SYSREG(3, 7, 15, i, 0), false, &v);
	assert_int_equal(c.calls, 4 + AV_SYSREG_WARN_SLOTS - 1);
	for (unsigned i = 0; i < AV_SYSREG_WARN_SLOTS - 1; i++)
		emu(&t, NULL, AV_SYSREG(3, 7, 15, i, 0), true, &v);
	assert_int_equal(emu(&t, NULL, AV_SYSREG(3, 0, 15, 2, 1), false, &v), AV_ACCESS_HANDLED);
	assert_int_equal(c.calls, 4 + AV_SYSREG_WARN_SLOTS - 1);

	/* Table check problems are reported at error level. */
	{
		const struct av_sysreg_desc bad[] = {
			{ AV_SYSREG_NAMED(MIDR_EL1), .kind = AV_SYSREG_HANDLER },
		};
		assert_int_equal(av_sysreg_table_check(bad, 1), -AV_EINVAL);
		assert_int_equal(c.level, AV_LOG_ERROR);
		assert_non_null(strstr(c.line, "MIDR_EL1"));
	}
	av_log_set_hook(NULL, AV_LOG_INFO, NULL);
}

/* ------------------------------------------------------------------------------------
 * ID registers
 */

#define QEMU_MAX_PFR0  UINT64_C(0x1201001121110222)
#define QEMU_MAX_MMFR0 UINT64_C(0x32310201126)

static uint64_t sanitise(uint32_t key, uint64_t host, uint64_t limit)
{
	uint64_t out = 0xdeadbeef;

	assert_int_equal(av_idreg_sanitise(key, host, limit, &out), 0);
	return out;
}

static uint64_t with(uint32_t key, uint64_t val, const char *field, uint64_t v)
{
	assert_int_equal(av_idreg_set(key, field, v, &val), 0);
	return val;
}

static void test_idreg_table(void **state)
{
	size_t n = 0;
	const struct av_idreg_desc *d = av_idreg_table(&n);
	(void)state;

	assert_int_equal(av_idreg_table_check(), 0);
	assert_int_equal(n, 11);
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(av_idreg_find(d[i].key), &d[i]);
		assert_string_equal(av_sysreg_name(d[i].key), d[i].name);
		for (size_t j = 0; j < d[i].nfields; j++)
			assert_ptr_equal(av_idreg_field_find(&d[i], d[i].fields[j].name),
					 &d[i].fields[j]);
	}
	assert_null(av_idreg_find(AV_SYS_MIDR_EL1));
	/* Field positions, stated from the Arm ARM. */
	{
		static const struct {
			uint32_t key;
			const char *field;
			unsigned lsb, width;
			enum av_idreg_kind kind;
		} pos[] = {
			{ AV_SYS_ID_AA64PFR0_EL1, "FP", 16, 4, AV_IDREG_SIGNED },
			{ AV_SYS_ID_AA64PFR0_EL1, "advsimd", 20, 4, AV_IDREG_SIGNED },
			{ AV_SYS_ID_AA64PFR0_EL1, "GIC", 24, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_ID_AA64PFR0_EL1, "SVE", 32, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_ID_AA64PFR0_EL1, "CSV3", 60, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_ID_AA64PFR1_EL1, "MTE", 8, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_ID_AA64PFR1_EL1, "SME", 24, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_ID_AA64ZFR0_EL1, "F64MM", 56, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_ID_AA64DFR0_EL1, "PMUVer", 8, 4, AV_IDREG_SIGNED },
			{ AV_SYS_ID_AA64DFR0_EL1, "DoubleLock", 36, 4, AV_IDREG_SIGNED },
			{ AV_SYS_ID_AA64ISAR0_EL1, "Atomic", 20, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_ID_AA64ISAR0_EL1, "RNDR", 60, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_ID_AA64ISAR1_EL1, "APA", 4, 4, AV_IDREG_EXACT },
			{ AV_SYS_ID_AA64ISAR1_EL1, "LRCPC", 20, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_ID_AA64ISAR2_EL1, "APA3", 12, 4, AV_IDREG_EXACT },
			{ AV_SYS_ID_AA64ISAR2_EL1, "MOPS", 16, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_ID_AA64MMFR0_EL1, "PARange", 0, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_ID_AA64MMFR0_EL1, "TGran4", 28, 4, AV_IDREG_SIGNED },
			{ AV_SYS_ID_AA64MMFR0_EL1, "TGran16", 20, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_ID_AA64MMFR0_EL1, "TGran4_2", 40, 4, AV_IDREG_EXACT },
			{ AV_SYS_ID_AA64MMFR0_EL1, "ECV", 60, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_ID_AA64MMFR1_EL1, "VH", 8, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_ID_AA64MMFR1_EL1, "SpecSEI", 24, 4, AV_IDREG_HIGHER_SAFE },
			{ AV_SYS_ID_AA64MMFR2_EL1, "CCIDX", 20, 4, AV_IDREG_EXACT },
			{ AV_SYS_ID_AA64MMFR2_EL1, "NV", 24, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_CTR_EL0, "DminLine", 16, 4, AV_IDREG_LOWER_SAFE },
			{ AV_SYS_CTR_EL0, "CWG", 24, 4, AV_IDREG_HIGHER_OR_ZERO_SAFE },
			{ AV_SYS_CTR_EL0, "TminLine", 32, 6, AV_IDREG_LOWER_SAFE },
		};
		for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
			const struct av_idreg_field *f =
				av_idreg_field_find(av_idreg_find(pos[i].key), pos[i].field);
			uint64_t want = ((UINT64_C(1) << pos[i].width) - 1) << pos[i].lsb;

			assert_non_null(f);
			assert_int_equal(f->mask, want);
			assert_int_equal(f->kind, pos[i].kind);
		}
	}
}

static void test_idreg_field_kinds(void **state)
{
	const struct av_idreg_desc *pfr0 = av_idreg_find(AV_SYS_ID_AA64PFR0_EL1);
	const struct av_idreg_desc *mmfr0 = av_idreg_find(AV_SYS_ID_AA64MMFR0_EL1);
	const struct av_idreg_field *f;
	(void)state;

	/* Unsigned, lower is safe. */
	f = av_idreg_field_find(mmfr0, "PARange");
	assert_int_equal(av_idreg_field_safer(f, 6, 5), 5);
	assert_int_equal(av_idreg_field_safer(f, 2, 5), 2);
	/* Signed: 0xF = not implemented ranks below 0 and 1. */
	f = av_idreg_field_find(pfr0, "FP");
	assert_int_equal(av_idreg_field_safer(f, 1, 0), 0);
	assert_int_equal(av_idreg_field_safer(f, 1, 0xF), 0xF);
	assert_int_equal(av_idreg_field_safer(f, 0xF, 1), 0xF);
	assert_int_equal(av_idreg_field_safer(f, 0, 0xF), 0xF);
	assert_int_equal(av_idreg_field_safer(f, 7, 1), 1);
	assert_int_equal(av_idreg_field_safer(f, 7, 8), 8); /* 8 = -8 */
	/* Higher is safe. */
	f = av_idreg_field_find(av_idreg_find(AV_SYS_ID_AA64MMFR1_EL1), "SpecSEI");
	assert_int_equal(av_idreg_field_safer(f, 0, 1), 1);
	assert_int_equal(av_idreg_field_safer(f, 1, 0), 1);
	/* Higher or zero ("not reported") is safe. */
	f = av_idreg_field_find(av_idreg_find(AV_SYS_CTR_EL0), "ERG");
	assert_int_equal(av_idreg_field_safer(f, 4, 5), 5);
	assert_int_equal(av_idreg_field_safer(f, 0, 5), 0);
	assert_int_equal(av_idreg_field_safer(f, 4, 0), 0);
	/* Exact: equal values pass, different ones give the fixed safe value. */
	f = av_idreg_field_find(av_idreg_find(AV_SYS_ID_AA64ISAR1_EL1), "APA");
	assert_int_equal(av_idreg_field_safer(f, 5, 5), 5);
	assert_int_equal(av_idreg_field_safer(f, 5, 3), 0);
	f = av_idreg_field_find(mmfr0, "TGran4_2");
	assert_int_equal(av_idreg_field_safer(f, 3, 3), 3);
	assert_int_equal(av_idreg_field_safer(f, 3, 2), 1);

	/* Whole registers, one field of each kind. */
	assert_int_equal(sanitise(AV_SYS_ID_AA64MMFR1_EL1, 0, with(AV_SYS_ID_AA64MMFR1_EL1, 0,
								    "SpecSEI", 1)),
			 UINT64_C(1) << 24);
	assert_int_equal(sanitise(AV_SYS_ID_AA64ISAR1_EL1, UINT64_C(0x0000000000000050),
				  UINT64_C(0x0000000000000030)),
			 0);
	assert_int_equal(sanitise(AV_SYS_ID_AA64ISAR1_EL1, UINT64_C(0x0000000000000051),
				  UINT64_C(0x0000000000000052)),
			 0x51);
	/* CTR_EL0: lines lower, granules higher-or-zero, L1Ip exact, bit 31 RES1. */
	assert_int_equal(sanitise(AV_SYS_CTR_EL0, UINT64_C(0x8444c004), UINT64_C(0x8444c004)),
			 UINT64_C(0x8444c004));
	assert_int_equal(sanitise(AV_SYS_CTR_EL0, UINT64_C(0x84448004), UINT64_C(0x0353c003)),
			 UINT64_C(0x84538003));
	assert_int_equal(sanitise(AV_SYS_CTR_EL0, 0, 0), UINT64_C(0x80000000));
}

static void test_idreg_qemu_max(void **state)
{
	const uint32_t pfr0 = AV_SYS_ID_AA64PFR0_EL1, mmfr0 = AV_SYS_ID_AA64MMFR0_EL1;
	uint64_t v, limit;
	(void)state;

	/* Every field of the QEMU -cpu max values passes when the limit is the host value. */
	assert_int_equal(sanitise(pfr0, QEMU_MAX_PFR0, QEMU_MAX_PFR0), QEMU_MAX_PFR0);
	assert_int_equal(sanitise(mmfr0, QEMU_MAX_MMFR0, QEMU_MAX_MMFR0), QEMU_MAX_MMFR0);
	/* A limit of all-ones: unsigned fields keep the host's value, signed fields (FP,
	 * AdvSIMD; TGran4/64) become "not implemented", exact ones fall back. */
	assert_int_equal(sanitise(pfr0, QEMU_MAX_PFR0, ~UINT64_C(0)), UINT64_C(0x1201001121FF0222));
	assert_int_equal(sanitise(mmfr0, QEMU_MAX_MMFR0, ~UINT64_C(0)),
			 UINT64_C(0x111FF201126));

	/* Hide features in the limit. */
	limit = QEMU_MAX_PFR0;
	assert_int_equal(av_idreg_hide(pfr0, "SVE", &limit), 0);
	assert_int_equal(sanitise(pfr0, QEMU_MAX_PFR0, limit), UINT64_C(0x1201001021110222));
	assert_int_equal(av_idreg_hide(pfr0, "FP", &limit), 0);
	assert_int_equal(av_idreg_hide(pfr0, "AdvSIMD", &limit), 0);
	assert_int_equal(limit, UINT64_C(0x1201001021FF0222));
	assert_int_equal(sanitise(pfr0, QEMU_MAX_PFR0, limit), UINT64_C(0x1201001021FF0222));
	assert_int_equal(av_idreg_hide(pfr0, "GIC", &limit), 0);
	assert_int_equal(av_idreg_hide(pfr0, "EL1", &limit), 0); /* AArch64 only */
	assert_int_equal(sanitise(pfr0, QEMU_MAX_PFR0, limit), UINT64_C(0x1201001020FF0212));
	/* The host's FP wins over a limit that claims more (FP16 = 1 vs host 1; host 0). */
	v = with(pfr0, QEMU_MAX_PFR0, "FP", 0);
	assert_int_equal(sanitise(pfr0, v, QEMU_MAX_PFR0), UINT64_C(0x1201001121100222));
	v = with(pfr0, QEMU_MAX_PFR0, "FP", 0xF);
	assert_int_equal(sanitise(pfr0, v, QEMU_MAX_PFR0), UINT64_C(0x12010011211F0222));

	/* ID_AA64MMFR0_EL1: PARange 6 (52 bits) limited to 5 (48 bits); never raised. */
	limit = with(mmfr0, QEMU_MAX_MMFR0, "PARange", 5);
	assert_int_equal(sanitise(mmfr0, QEMU_MAX_MMFR0, limit), UINT64_C(0x32310201125));
	limit = with(mmfr0, QEMU_MAX_MMFR0, "PARange", 7);
	assert_int_equal(sanitise(mmfr0, QEMU_MAX_MMFR0, limit), QEMU_MAX_MMFR0);
	/* TGran4 = 1 (52-bit) limited to 0 (4KB only), or hidden (0xF). */
	limit = with(mmfr0, QEMU_MAX_MMFR0, "TGran4", 0);
	assert_int_equal(sanitise(mmfr0, QEMU_MAX_MMFR0, limit), UINT64_C(0x32300201126));
	assert_int_equal(av_idreg_hide(mmfr0, "TGran4", &limit), 0);
	assert_int_equal(sanitise(mmfr0, QEMU_MAX_MMFR0, limit), UINT64_C(0x323F0201126));
	/* TGran16 (unsigned, 2 = 52-bit) limited to 1; hidden is 0. */
	limit = with(mmfr0, QEMU_MAX_MMFR0, "TGran16", 1);
	assert_int_equal(sanitise(mmfr0, QEMU_MAX_MMFR0, limit), UINT64_C(0x32310101126));
	assert_int_equal(av_idreg_hide(mmfr0, "TGran16", &limit), 0);
	assert_int_equal(sanitise(mmfr0, QEMU_MAX_MMFR0, limit), UINT64_C(0x32310001126));
	/* TGran4_2 = 3 vs 2: exact, falls back to 1 (not at stage 2). */
	limit = with(mmfr0, QEMU_MAX_MMFR0, "TGran4_2", 2);
	assert_int_equal(sanitise(mmfr0, QEMU_MAX_MMFR0, limit), UINT64_C(0x12310201126));
	/* RES0 bits of the host value are not passed on. */
	assert_int_equal(sanitise(mmfr0, QEMU_MAX_MMFR0 | UINT64_C(1) << 50, ~UINT64_C(0)) &
				 (UINT64_C(1) << 50),
			 0);

	/* Errors. */
	v = 0;
	assert_int_equal(av_idreg_sanitise(AV_SYS_MIDR_EL1, 1, 1, &v), -AV_ENOENT);
	assert_int_equal(av_idreg_sanitise(pfr0, 1, 1, NULL), -AV_EINVAL);
	assert_int_equal(av_idreg_set(pfr0, "FP", 0x10, &v), -AV_ERANGE);
	assert_int_equal(av_idreg_set(pfr0, "NOPE", 1, &v), -AV_ENOENT);
	assert_int_equal(av_idreg_set(AV_SYS_MIDR_EL1, "FP", 1, &v), -AV_ENOENT);
	assert_int_equal(av_idreg_set(pfr0, "FP", 1, NULL), -AV_EINVAL);
	assert_int_equal(av_idreg_hide(pfr0, "NOPE", &v), -AV_ENOENT);
	assert_int_equal(v, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_packing),
		cmocka_unit_test(test_names_both_ways),
		cmocka_unit_test(test_name_table),
		cmocka_unit_test(test_constants_match_names),
		cmocka_unit_test(test_table_check),
		cmocka_unit_test(test_lookup_index),
		cmocka_unit_test(test_emulate_kinds),
		cmocka_unit_test(test_trap_regs),
		cmocka_unit_test(test_unhandled_log),
		cmocka_unit_test(test_idreg_table),
		cmocka_unit_test(test_idreg_field_kinds),
		cmocka_unit_test(test_idreg_qemu_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
